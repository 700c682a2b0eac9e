#!/bin/bash
# funnel_tun.sh - the reference funnel with the node on a TUN device (root):
# two network namespaces joined by a veth underlay in 198.18.0.0/15; the
# edge namespace runs fedge (WireGuard engine over lwIP) and curl, the node
# namespace runs fnode --tun (kernel TCP on 100.64.0.2) and the backend.
# No default route anywhere: nothing leaves. Skips (77) when not root.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_ns_test funnel_tun tun ip curl openssl python3 wg ss

NE=fle$$ NN=fln$$ TUN=flt$$
nsl_ns_add "$NE"
nsl_ns_add "$NN"
nsl_veth "$NE" ue0 "$NN" un0
nsl_addr "$NE" ue0 198.18.0.1/30
nsl_addr "$NN" un0 198.18.0.2/30
FL_PUB=8443 FL_PEER=46187 FL_BE=2367
fl_certs "$FL_NAME" || exit 2
fl_serve_config "$FL_NAME"
fl_wg_pair

nsl_bg "$NN" python3 "$FSC_SRC/tests/integration/lib/funnel_backend.py" "$FL_BE" "$FL_DIR/backend.jsonl"
nsl_bg "$NN" sh -c "exec '$FSC_BIN/fnode' --serve-config '$FL_DIR/serve.json' --certs '$FL_DIR/certs' \
	--wg-config '$FL_DIR/node.conf' --tun $TUN --wg-keylog '$FL_DIR/node-wg.keys' \
	--debug-capture '$FL_DIR/node-debug.pcap' --debug-capture-size 1 \
	--peerapi 100.64.0.2:$FL_PEER --edge 100.64.0.1 >/dev/null 2>>'$FL_DIR/node.log'"
nsl_bg "$NE" sh -c "exec '$FSC_BIN/fedge' --listen 127.0.0.1:$FL_PUB --wg-config '$FL_DIR/edge.conf' \
	--route '$FL_NAME=100.64.0.2:$FL_PEER' >/dev/null 2>>'$FL_DIR/edge.log'"
nsl_listening "$NN" "$FL_BE" && nsl_listening "$NN" "$FL_PEER" && nsl_listening "$NE" "$FL_PUB" ||
	{ cat "$FL_DIR"/*.log; nsl_die "a listener did not come up"; }
grep -q 'transport=tun' "$FL_DIR/node.log" && ip -n "$NN" addr show "$TUN" | grep -q '100.64.0.2/24' &&
	ok "node on TUN $TUN with 100.64.0.2/24 (kernel TCP)" || bad "tun: $(cat "$FL_DIR/node.log")"

out=$(ip netns exec "$NE" curl -sS --max-time 20 --cacert "$FL_DIR/ca.crt" \
	--resolve "$FL_NAME:$FL_PUB:127.0.0.1" "https://$FL_NAME:$FL_PUB/echo?via=tun")
printf '%s\n' "$out" | grep -q '"X-Forwarded-For", "127.0.0.1"' &&
	ok "curl -> fedge (lwIP) -> WireGuard over the veth -> fnode (TUN) -> backend" || bad "request: $out"
grep -q 'ingress peer=100.64.0.1:[0-9]* client=127.0.0.1:' "$FL_DIR/node.log" &&
	ok "the node's kernel saw the edge at 100.64.0.1" || bad "peer: $(cat "$FL_DIR/node.log")"
got=$(ip netns exec "$NE" curl -sS --max-time 60 --cacert "$FL_DIR/ca.crt" \
	--resolve "$FL_NAME:$FL_PUB:127.0.0.1" "https://$FL_NAME:$FL_PUB/big?n=5000000" | sha256sum | cut -d' ' -f1)
want=$(python3 -c "
import hashlib
b = bytes(range(256)) * 256; h = hashlib.sha256(); n = 5000000
while n > 0:
    h.update(b[:min(n, 65536)]); n -= 65536
print(h.hexdigest())")
[ "$got" = "$want" ] && ok "5 MB through the tunnel, checksum matches" || bad "download"
# The debug capture through a TUN device: sent packets are from-local (path
# 0), received ones from-peer (1); the 5 MB filled its 1 MiB cap, which the
# log says once, and what was written is whole and decodes without a key.
dcap=$(python3 - "$FL_DIR/node-debug.pcap" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
at, paths = 24, set()
while at + 16 <= len(b):
    incl = struct.unpack("<I", b[at + 8:at + 12])[0]
    paths.add(struct.unpack("<H", b[at + 16:at + 18])[0])
    at += 16 + incl
print(struct.unpack("<I", b[20:24])[0], sorted(paths), at == len(b), len(b) <= 1 << 20)
PY
)
[ "$dcap" = "147 [0, 1] True True" ] && [ "$(grep -c ' debug-capture-full ' "$FL_DIR/node.log")" -eq 1 ] &&
	"$FSC_BIN/fdecode" -n --json "$FL_DIR/node-debug.pcap" | grep -q '"type":"ingress".*"ingress_src":"127.0.0.1:' &&
	ok "--debug-capture on TUN: from-local and from-peer records, capped at 1 MiB (logged once), the ingress decoded with no key" ||
	bad "debug capture: $dcap; $(grep debug-capture "$FL_DIR/node.log")"
# a bad underlay: 5% loss and reordering both ways (tc netem); TCP inside
# the tunnel recovers and the bytes still arrive whole
if ip -n "$NN" qdisc add dev un0 root netem delay 2ms loss 5% reorder 25% 50% 2>/dev/null &&
	ip -n "$NE" qdisc add dev ue0 root netem delay 2ms loss 5% reorder 25% 50% 2>/dev/null; then
	want=$(python3 -c "
import hashlib
b = bytes(range(256)) * 256; h = hashlib.sha256(); n = 1000000
while n > 0:
    h.update(b[:min(n, 65536)]); n -= 65536
print(h.hexdigest())")
	got=$(ip netns exec "$NE" curl -sS --max-time 50 --cacert "$FL_DIR/ca.crt" \
		--resolve "$FL_NAME:$FL_PUB:127.0.0.1" "https://$FL_NAME:$FL_PUB/big?n=1000000" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] && ok "1 MB over an underlay with 5% loss and reordering, checksum matches" ||
		bad "lossy download"
else
	echo "note: no tc netem here; the lossy underlay part is skipped"
fi

[ $fail -ne 0 ] && { echo "--- node.log"; cat "$FL_DIR/node.log"; echo "--- edge.log"; cat "$FL_DIR/edge.log"; }
grep -l 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$FL_DIR"/*.log && bad "sanitizer report"
exit $fail
