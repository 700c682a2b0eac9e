#!/bin/sh
# funnel_wg.sh - the reference funnel through a real WireGuard tunnel with
# no privileges: fedge and fnode each run the WireGuard engine with lwIP
# (userspace TCP/IP) over loopback UDP; curl -> fedge -> WireGuard -> fnode
# -> backend. The node knows the edge by its tunnel address (--edge), over
# IPv4 and IPv6 tunnel addresses; both write WireGuard key logs.
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_test funnel_wg curl openssl python3 ss wg

fl_ports
UE=$(fl_free_port)
UN=$(fl_free_port)
MET_NODE=$(fl_free_port)
MET_EDGE=$(fl_free_port)
fl_certs "$FL_NAME" || exit 2
fl_serve_config "$FL_NAME"
(umask 077; wg genkey >"$FL_DIR/e.key"; wg genkey >"$FL_DIR/n.key")
cat >"$FL_DIR/node.conf" <<EOF2
[Interface]
PrivateKey = $(cat "$FL_DIR/n.key")
ListenPort = $UN
Address = 100.64.0.2/32, fd7a:115c:a1e0::2/128

[Peer]
PublicKey = $(wg pubkey <"$FL_DIR/e.key")
AllowedIPs = 100.64.0.1/32, fd7a:115c:a1e0::1/128
Endpoint = 127.0.0.1:$UE
EOF2
cat >"$FL_DIR/edge.conf" <<EOF2
[Interface]
PrivateKey = $(cat "$FL_DIR/e.key")
ListenPort = $UE
Address = 100.64.0.1/32, fd7a:115c:a1e0::1/128

[Peer]
PublicKey = $(wg pubkey <"$FL_DIR/n.key")
AllowedIPs = 100.64.0.2/32, fd7a:115c:a1e0::2/128
Endpoint = 127.0.0.1:$UN
EOF2
fl_backend || exit 1
"$FSC_BIN/fnode" --serve-config "$FL_DIR/serve.json" --certs "$FL_DIR/certs" \
	--wg-config "$FL_DIR/node.conf" --wg-keylog "$FL_DIR/node-wg.keys" \
	--peerapi "100.64.0.2:46187" --peerapi "[fd7a:115c:a1e0::2]:46187" \
	--edge 100.64.0.1 --edge fd7a:115c:a1e0::1 --metrics "127.0.0.1:$MET_NODE" \
	>/dev/null 2>>"$FL_DIR/node.log" &
FL_NODE_PID=$!
FL_PIDS="$FL_PIDS $!"
"$FSC_BIN/fedge" --listen "127.0.0.1:$FL_PUB" --wg-config "$FL_DIR/edge.conf" \
	--wg-keylog "$FL_DIR/edge-wg.keys" --log-json --metrics "127.0.0.1:$MET_EDGE" \
	--route "$FL_NAME=100.64.0.2:46187" --route "v6.example.test=[fd7a:115c:a1e0::2]:46187" \
	>/dev/null 2>>"$FL_DIR/edge.log" &
FL_EDGE_PID=$!
FL_PIDS="$FL_PIDS $!"
fl_wait_port "$FL_PUB" || { cat "$FL_DIR"/*.log; exit 1; }
sleep 0.3
grep -q 'transport=lwip' "$FL_DIR/node.log" && grep -q '"transport":"lwip"' "$FL_DIR/edge.log" ||
	bad "not on lwIP: $(cat "$FL_DIR/node.log" "$FL_DIR/edge.log")"

URL="https://$FL_NAME:$FL_PUB"
out=$(fl_curl "$URL/echo?via=wg" -H 'X-Forwarded-For: 6.6.6.6')
printf '%s\n' "$out" | grep -q '"X-Forwarded-For", "127.0.0.1"' && ! printf '%s\n' "$out" | grep -q 6.6.6.6 &&
	ok "curl through fedge -> WireGuard (lwIP) -> fnode -> backend" || bad "request: $out"
grep -q 'ingress peer=100.64.0.1:[0-9]* client=127.0.0.1:' "$FL_DIR/node.log" &&
	ok "the node saw the edge at its tunnel address 100.64.0.1" || bad "peer: $(grep ingress "$FL_DIR/node.log")"

# the download, keep-alive and SSE through the tunnel
n=5000000
want=$(python3 -c "
import hashlib
b = bytes(range(256)) * 256; h = hashlib.sha256(); n = $n
while n > 0:
    h.update(b[:min(n, 65536)]); n -= 65536
print(h.hexdigest())")
got=$(fl_curl --max-time 60 "$URL/big?n=$n" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] && ok "$n bytes through the tunnel, checksum matches" || bad "download"

# --metrics: each side's one peer, the other's key, the download counted
for side in node edge; do
	[ $side = node ] && { port=$MET_NODE; key=$(wg pubkey <"$FL_DIR/e.key"); } ||
		{ port=$MET_EDGE; key=$(wg pubkey <"$FL_DIR/n.key"); }
	curl -sS --max-time 5 "http://127.0.0.1:$port/metrics" >"$FL_DIR/$side.prom"
	awk -v p="funnelscope_${side}_wg_peer_" -v k="{peer=\"$key\"}" -v n="$n" '
		$1 == p "rx_bytes_total" k || $1 == p "tx_bytes_total" k { if ($2 > n) big++ }
		$1 == p "handshakes_total" k && $2 >= 1 { hs = 1 }
		$1 == p "last_handshake_age_seconds" k && $2 >= 0 && $2 < 600 { age = 1 }
		END { exit !(big && hs && age) }' "$FL_DIR/$side.prom" &&
		ok "f$side --metrics: the WireGuard peer, its bytes and handshake" ||
		bad "f$side --metrics: $(grep wg_peer "$FL_DIR/$side.prom")"
done

# IPv6 tunnel addresses: the PeerAPI on fd7a:115c:a1e0::2
out=$(curl -sS --max-time 20 -k --resolve "v6.example.test:$FL_PUB:127.0.0.1" "https://v6.example.test:$FL_PUB/" 2>&1)
grep -q 'ingress-refused peer=\[fd7a:115c:a1e0::1\]:[0-9]* status=403 reason=denied target=v6.example.test' "$FL_DIR/node.log" &&
	ok "over the IPv6 tunnel address (the node refuses v6.example.test: not in AllowFunnel)" ||
	bad "IPv6 ingress: $(tail -3 "$FL_DIR/node.log")"

# the edge logged JSON lines (--log-json): every line parses, with its keys
python3 - "$FL_DIR/edge.log" <<'PY' && ok "edge --log-json: JSON lines with the conn events" || bad "JSON log: $(cat "$FL_DIR/edge.log")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
conns = [e for e in ev if e["event"] == "conn"]
assert ev[0]["event"] == "listening" and ev[0]["transport"] == "lwip" and ev[0]["routes"] == 2
assert any(c["outcome"] == "proxied" and c["node"] == "100.64.0.2:46187" and c["down"] > 5000000 for c in conns)
assert any(c["outcome"] == "node-refused" and c["reason"] == "node answered 403: denied\n" for c in conns)
PY
# the node restarted: a new engine with no session; the edge's next
# handshake (WireGuard retries, REKEY_TIMEOUT 5 s) brings the path back
kill "$FL_NODE_PID"
wait "$FL_NODE_PID" 2>/dev/null
"$FSC_BIN/fnode" --serve-config "$FL_DIR/serve.json" --certs "$FL_DIR/certs" \
	--wg-config "$FL_DIR/node.conf" --wg-keylog "$FL_DIR/node-wg.keys" \
	--peerapi "100.64.0.2:46187" --edge 100.64.0.1 >/dev/null 2>>"$FL_DIR/node.log" &
FL_NODE_PID=$!
FL_PIDS="$FL_PIDS $!"
t0=$(date +%s)
got=""
while [ $(($(date +%s) - t0)) -lt 40 ] && [ "$got" != "hello from fnode" ]; do
	got=$(fl_curl --max-time 12 "$URL/hello" 2>/dev/null)
done
[ "$got" = "hello from fnode" ] && ok "node restarted: served again after $(($(date +%s) - t0)) s" ||
	bad "after the node's restart: '$got'; $(tail -3 "$FL_DIR/edge.log")"

[ -s "$FL_DIR/node-wg.keys" ] && [ -s "$FL_DIR/edge-wg.keys" ] && ok "WireGuard key logs written" ||
	bad "no WireGuard key log"
fl_stop
fl_sanitizers || bad "a sanitizer report in the logs"
[ $fail -ne 0 ] && { echo "--- node.log"; tail -20 "$FL_DIR/node.log"; echo "--- edge.log"; tail -20 "$FL_DIR/edge.log"; }
exit $fail
