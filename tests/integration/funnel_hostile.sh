#!/bin/sh
# funnel_hostile.sh - every refusal of the reference funnel pair gets its
# logged reason, and nothing reaches the backend: no SNI, unknown SNI,
# plain HTTP to the TLS port, slowloris on both listeners, request
# smuggling shapes, a peer that is not an edge, the exact PeerAPI answers,
# a target not in AllowFunnel, a missing certificate.
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_test funnel_hostile curl openssl python3 ss
CLIENT="python3 $FSC_SRC/tests/integration/lib/funnel_client.py"

fl_ports
fl_certs "$FL_NAME" off.example.test alt.example.test || exit 2
FL_PUB2=$(fl_free_port)
FL_DOWN=$(fl_free_port)	# nothing listens there
# node.example.test: served and funnel on; off.example.test: served, funnel
# off; nocert.example.test: funnel on, no certificate in the folder
cat >"$FL_DIR/serve.json" <<JSON
{
  "TCP": { "$FL_PUB": { "HTTPS": true }, "$FL_PUB2": { "HTTPS": true } },
  "Web": {
    "$FL_NAME:$FL_PUB2": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" } } },
    "$FL_NAME:$FL_PUB": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" },
                                        "/down/": { "Proxy": "http://127.0.0.1:$FL_DOWN" } } },
    "off.example.test:$FL_PUB": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" } } },
    "nocert.example.test:$FL_PUB": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" } } },
    "alt.example.test:$FL_PUB": { "Handlers": { "/": { "Text": "alt\n" } } }
  },
  "AllowFunnel": { "$FL_NAME:$FL_PUB": true, "$FL_NAME:$FL_PUB2": true, "off.example.test:$FL_PUB": false,
                   "nocert.example.test:$FL_PUB": true }
}
JSON
fl_backend && fl_node --head-timeout 2 --response-timeout 2 &&
	fl_edge --route "*.example.test=127.0.0.1:$FL_PEER" --hello-timeout 2 ||
	{ cat "$FL_DIR"/*.log; exit 1; }
URL="https://$FL_NAME:$FL_PUB"
edge_has() { grep -q "$1" "$FL_DIR/edge.log"; }
node_has() { grep -q "$1" "$FL_DIR/node.log"; }

# no SNI: an IP literal sends none
err=$(curl -sS --max-time 10 -k "https://127.0.0.1:$FL_PUB/" 2>&1)
printf '%s\n' "$err" | grep -qi 'unrecognized name' && edge_has 'outcome=no-sni' &&
	ok "no SNI: unrecognized_name alert, logged" || bad "no SNI: $err"

# unknown SNI (no route)
err=$(curl -sS --max-time 10 --cacert "$FL_DIR/ca.crt" --resolve "x.other.test:$FL_PUB:127.0.0.1" \
	"https://x.other.test:$FL_PUB/" 2>&1)
printf '%s\n' "$err" | grep -qi 'unrecognized name' && edge_has 'sni=x.other.test .*outcome=unknown-sni' &&
	ok "unknown SNI: alert, logged with the name" || bad "unknown SNI: $err"

# plain HTTP to the TLS port
out=$(curl -sS --max-time 10 "http://127.0.0.1:$FL_PUB/" 2>&1)
printf '%s\n' "$out" | grep -q 'plain HTTP request sent to a TLS port' && edge_has 'outcome=not-tls' &&
	ok "plain HTTP: 400 in HTTP, logged" || bad "plain HTTP: $out"

# a funnel-off name (routed by the wildcard; the node answers 403 denied)
err=$(curl -sS --max-time 10 --cacert "$FL_DIR/ca.crt" --resolve "off.example.test:$FL_PUB:127.0.0.1" \
	"https://off.example.test:$FL_PUB/" 2>&1)
printf '%s\n' "$err" | grep -qi 'access denied' && edge_has 'outcome=node-refused reason="node answered 403: denied\\n"' &&
	node_has 'ingress-refused .*status=403 reason=denied target=off.example.test' &&
	ok "target not in AllowFunnel: node 403 denied, edge logs the body, client gets access_denied" ||
	bad "funnel off: $err"

# a missing certificate
err=$(curl -sS --max-time 10 --cacert "$FL_DIR/ca.crt" --resolve "nocert.example.test:$FL_PUB:127.0.0.1" \
	"https://nocert.example.test:$FL_PUB/" 2>&1)
printf '%s\n' "$err" | grep -qi 'internal error' && node_has 'tls-refused .*sni=nocert.example.test .*missing' &&
	ok "missing certificate: internal_error alert, node logs the path" || bad "no cert: $err"

# slowloris on the edge: 3 bytes of a record, then nothing
out=$($CLIENT slow-hello x "$FL_PUB")
secs=${out##* }
[ "$(echo "$secs < 15" | bc 2>/dev/null || python3 -c "print(int($secs < 15))")" = 1 ] &&
	edge_has 'outcome=hello-timeout' && ok "slow hello closed after ${secs}s, logged" ||
	bad "slow hello: $out"

# slowloris on the node: a request head that never ends
out=$($CLIENT slow-head "$FL_NAME" "$FL_PUB" "$FL_DIR/ca.crt")
printf '%s\n' "$out" | grep -q "408 Request Timeout" && node_has 'reason="request head timeout"' &&
	ok "slow request head: 408 after ${out##* }s, logged" || bad "slow head: $out"

# slowloris on the node's PeerAPI: an ingress head that never ends
secs=$(python3 - "$FL_PEER" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /v0/ingress HTTP/1.1\r\nHost: peer\r\nTailscale-Ingress-Src: 1.2.3.4:5\r\n")
s.settimeout(30)
t0 = time.time()
while s.recv(100):
    pass
print("%.2f" % (time.time() - t0))
PY
)
node_has 'ingress-timeout peer=127.0.0.1:' && ok "slow ingress head closed after ${secs}s, logged" ||
	bad "slow ingress head: $secs"

# smuggling shapes: each 400, none at the backend
n=0
for req in \
	"POST /smuggle-1 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" \
	"POST /smuggle-2 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde" \
	"POST /smuggle-3 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd" \
	"GET /smuggle-4 HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n" \
	"POST /smuggle-5 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" \
	"POST /smuggle-6 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" \
	"GET /smuggle-7 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" \
	"POST /smuggle-8 HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 4\r\n\r\nabcd" \
	"POST /smuggle-9 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"; do
	n=$((n + 1))
	hex=$(printf "$req" | od -An -v -tx1 | tr -d ' \n')
	out=$($CLIENT raw "$FL_NAME" "$FL_PUB" "$FL_DIR/ca.crt" "$hex")
	printf '%s\n' "$out" | grep -q "400 Bad Request" || bad "smuggling shape $n not refused: $out"
done
# a bad chunk size: the head passes, the forwarding stops at the bad line
hex=$(printf "POST /smuggle-10 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n" | od -An -v -tx1 | tr -d ' \n')
out=$($CLIENT raw "$FL_NAME" "$FL_PUB" "$FL_DIR/ca.crt" "$hex")
printf '%s\n' "$out" | grep -q "400 Bad Request" || bad "bad chunk size not refused: $out"
if grep -q 'smuggle-[1-9]"\|smuggled' "$FL_DIR/backend.jsonl" 2>/dev/null; then
	bad "a smuggling shape reached the backend: $(grep smuggle "$FL_DIR/backend.jsonl")"
else
	ok "10 smuggling shapes refused with 400; none reached the backend"
fi
[ "$(grep -c 'bad-request ' "$FL_DIR/node.log")" -ge 10 ] && ok "each logged as bad-request" ||
	bad "bad-request lines: $(grep -c 'bad-request ' "$FL_DIR/node.log")"

# too many headers, head too large
hex=$(python3 -c "print(('GET /many HTTP/1.1\r\nHost: h\r\n' + ''.join('X-%d: v\r\n' % i for i in range(150)) + '\r\n').encode().hex())")
$CLIENT raw "$FL_NAME" "$FL_PUB" "$FL_DIR/ca.crt" "$hex" | grep -q "400 Bad Request" &&
	ok "150 header lines: 400" || bad "header count limit"
hex=$(python3 -c "print(('GET /big-head HTTP/1.1\r\nHost: h\r\nX-Big: ' + 'a' * 40000 + '\r\n\r\n').encode().hex())")
$CLIENT raw "$FL_NAME" "$FL_PUB" "$FL_DIR/ca.crt" "$hex" | grep -q "400 Bad Request" &&
	ok "40 KB head: 400" || bad "head size limit"

# backend down: 502; backend too slow with its head: 504; both logged
code=$(fl_curl -o /dev/null -w '%{http_code}' "$URL/down/x")
[ "$code" = 502 ] && node_has "upstream-error .*backend=127.0.0.1:$FL_DOWN reason=\"Connection refused\"" &&
	ok "backend down: 502, logged" || bad "502: $code"
code=$(fl_curl -o /dev/null -w '%{http_code}' "$URL/slow-head?ms=5000")
[ "$code" = 504 ] && node_has 'reason="backend response timeout"' && ok "slow backend: 504 after --response-timeout, logged" ||
	bad "504: $code"

# the PeerAPI answers, byte for byte (straight to the node's listener)
peer() { $CLIENT ingress "127.0.0.1:$FL_PEER" "$FL_PEER" "$@"; }
out=$(peer "66.249.72.211:51234" "$FL_NAME:$FL_PUB")
[ "$out" = "b'HTTP/1.1 101 Switching Protocols\\r\\n\\r\\n'" ] && ok "accepted: bare 101" || bad "101: $out"
out=$(peer "-" "$FL_NAME:$FL_PUB")
printf '%s\n' "$out" | grep -q "400 Bad Request.*Content-Length: 37.*Tailscale-Ingress-Src header not set" &&
	ok "no Src: 400" || bad "no src: $out"
out=$(peer "66.249.72.211" "$FL_NAME:$FL_PUB")
printf '%s\n' "$out" | grep -q "400 Bad Request.*Tailscale-Ingress-Src header invalid; want ip:port" &&
	ok "Src without port: 400" || bad "bad src: $out"
out=$(peer "[2001:db8::7]:443" "-")
printf '%s\n' "$out" | grep -q "400 Bad Request.*Tailscale-Ingress-Target header not set" &&
	ok "no Target: 400" || bad "no target: $out"
out=$(peer "[2001:db8::7]:443" "other.example.test:$FL_PUB")
printf '%s\n' "$out" | grep -q "403 Forbidden.*X-Content-Type-Options: nosniff.*Content-Length: 7.*denied" &&
	ok "Target not in AllowFunnel: 403 denied" || bad "denied: $out"
out=$(peer "66.249.72.211:51234" "$FL_NAME:$FL_PUB" 127.0.0.3)
printf '%s\n' "$out" | grep -q "403 Forbidden.*denied; no ingress cap" && node_has 'reason=no-ingress-cap' &&
	ok "peer not configured as edge: 403 no ingress cap, logged" || bad "not an edge: $out"
out=$(printf 'GET /v0/ingress HTTP/1.1\r\nHost: peer\r\n\r\n' | curl -s --max-time 5 -i "http://127.0.0.1:$FL_PEER/v0/ingress" -H 'Host: peer')
printf '%s\n' "$out" | grep -q "405 Method Not Allowed" && printf '%s\n' "$out" | grep -q "only POST allowed" &&
	ok "GET: 405" || bad "405: $out"

# SNI and Ingress-Target disagree: served by the SNI (as tailscaled), logged
out=$($CLIENT ingress-tls alt.example.test "$FL_PEER" "$FL_DIR/ca.crt" "$FL_NAME:$FL_PUB" /)
[ "$out" = "HTTP/1.1 200 OK" ] && node_has 'sni-mismatch client=192.0.2.44:40404 sni=alt.example.test target=node.example.test' &&
	ok "SNI/Target mismatch logged" || bad "mismatch: $out"

# an edge behind a load balancer: PROXY header in, its source is the client;
# --rate 1 --burst 3 per source
"$FSC_BIN/fedge" --listen "127.0.0.1:$FL_PUB2" --route "$FL_NAME=127.0.0.1:$FL_PEER" \
	--accept-proxy --rate 1 --burst 3 >/dev/null 2>>"$FL_DIR/edge2.log" &
FL_PIDS="$FL_PIDS $!"
fl_wait_port "$FL_PUB2"
out=$($CLIENT proxy-get "$FL_NAME" "$FL_PUB2" "$FL_DIR/ca.crt" 'PROXY TCP4 203.0.113.9 127.0.0.1 40000 443\r\n' /echo)
grep -q 'client=203.0.113.9:40000 .*outcome=proxied' "$FL_DIR/edge2.log" &&
	printf '%s\n' "$out" | grep -q '"X-Forwarded-For", "203.0.113.9"' &&
	ok "PROXY v1 on the public listener: the client is 203.0.113.9:40000, the backend's XFF too" ||
	bad "accept-proxy: $out; $(cat "$FL_DIR/edge2.log")"
out=$($CLIENT proxy-get "$FL_NAME" "$FL_PUB2" "$FL_DIR/ca.crt" 'GARBAGE\r\n' /hello)
grep -q 'outcome=bad-proxy-header' "$FL_DIR/edge2.log" && ok "no PROXY header: refused, logged" ||
	bad "bad proxy header: $out"
# six connections from one source at once (one process: no interpreter
# start-up between them), each announcing it with its PROXY header
python3 - "$FL_PUB2" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
socks = []
for _ in range(6):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"PROXY TCP4 198.51.100.1 127.0.0.1 40001 443\r\n")
    socks.append(s)
time.sleep(0.5)
PY
sleep 0.3
grep -q 'client=198.51.100.1:40001 .*outcome=rate-limited' "$FL_DIR/edge2.log" &&
	ok "per-source rate limit: $(grep -c 'client=198.51.100.1:40001 .*outcome=rate-limited' "$FL_DIR/edge2.log") of 6 refused" ||
	bad "rate limit: $(grep 198.51.100.1 "$FL_DIR/edge2.log")"

# connection limit: two idle connections fill --max-conns 2, a third is shut
FL_PUB3=$(fl_free_port)
"$FSC_BIN/fedge" --listen "127.0.0.1:$FL_PUB3" --route "$FL_NAME=127.0.0.1:$FL_PEER" \
	--max-conns 2 --hello-timeout 3 >/dev/null 2>>"$FL_DIR/edge3.log" &
FL_PIDS="$FL_PIDS $!"
fl_wait_port "$FL_PUB3"
python3 - "$FL_PUB3" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
time.sleep(0.3)
third = socket.create_connection(("127.0.0.1", port))
third.settimeout(2)
print("third:", third.recv(10))
PY
grep -q 'outcome=conn-limit' "$FL_DIR/edge3.log" && ok "--max-conns: the third connection closed, logged" ||
	bad "conn limit: $(cat "$FL_DIR/edge3.log")"

if [ $fail -ne 0 ]; then
	echo "--- node.log"; tail -n 40 "$FL_DIR/node.log"
	echo "--- edge.log"; tail -n 30 "$FL_DIR/edge.log"
fi
fl_stop
fl_sanitizers || bad "a sanitizer report in the logs"
exit $fail
