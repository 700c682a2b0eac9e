#!/bin/sh
# funnel_pair.sh - the reference funnel end to end on loopback, no root:
# curl -> fedge (SNI only) -> fnode (ingress, TLS, reverse proxy) -> backend.
# GET, keep-alive, chunked upload, a large download with checksum, HEAD,
# 304, Text handler, SSE event by event, WebSocket with its query string,
# and what the backend sees: one X-Forwarded-For = the client, the set
# headers, none of the spoofed ones; --metrics of both (promtool when
# installed), their clients (new ones, by country and AS with --geoip-db);
# the node's --access-log and both --log files rotated by mv + SIGHUP.
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_test funnel_pair curl openssl python3 ss
CLIENT="python3 $FSC_SRC/tests/integration/lib/funnel_client.py"

fl_ports
FL_TCP_PUB=$(fl_free_port)
FL_TCP_BE=$(fl_free_port)
MET_NODE=$(fl_free_port)
MET_EDGE=$(fl_free_port)
MET_EDGE2=$(fl_free_port)
fl_certs "$FL_NAME" || { echo "funnel_pair: openssl failed" >&2; exit 2; }
# GeoIP databases for --metrics' countries and ASes: the crafted ones of the
# GeoIP tests (tests/unit/mkmmdb.pl; without its Perl module, none)
GEO=""
mkdir -p "$FL_DIR/geo"
if perl "$FSC_SRC/tests/unit/mkmmdb.pl" "$FL_DIR/geo" >/dev/null 2>&1; then
	for db in City Country ASN; do GEO="$GEO --geoip-db $FL_DIR/geo/GeoLite2-$db.mmdb"; done
fi
fl_serve_config "$FL_NAME"
python3 "$FSC_SRC/tests/integration/lib/proxy_backend.py" "$FL_TCP_BE" >/dev/null 2>&1 &
FL_PIDS="$FL_PIDS $!"
# The two write their event logs themselves (--log, rotated in 12), where
# fl_node and fl_edge send stderr.
fl_backend && fl_node --tls-keylog "$FL_DIR/tls.keys" --access-log "$FL_DIR/access.log" \
	--log "$FL_DIR/node.log" --metrics "127.0.0.1:$MET_NODE" $GEO &&
	fl_edge --listen "127.0.0.1:$FL_TCP_PUB" --log "$FL_DIR/edge.log" \
	--metrics "127.0.0.1:$MET_EDGE" && fl_wait_port "$FL_TCP_BE" && fl_wait_port "$FL_TCP_PUB" &&
	fl_wait_port "$MET_NODE" && fl_wait_port "$MET_EDGE" || { cat "$FL_DIR"/*.log; exit 1; }
URL="https://$FL_NAME:$FL_PUB"

# 1. GET with spoofed forwarding and identity headers
out=$(fl_curl "$URL/echo?q=a%20b&x=1" -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Real-IP: 6.6.6.6' \
	-H 'Forwarded: for=6.6.6.6' -H 'X-Forwarded-Host: evil.example' -H 'X-Forwarded-Proto: http' \
	-H 'Tailscale-User-Login: evil@example.com' -H 'Tailscale-Funnel-Request: ?0' \
	-H 'Tailscale-App-Capabilities: {}')
printf '%s\n' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
h = r["headers"]
def vals(n): return [v for k, v in h if k.lower() == n.lower()]
errs = []
if r["target"] != "/echo?q=a%20b&x=1": errs.append("target " + r["target"])
if vals("X-Forwarded-For") != ["127.0.0.1"]: errs.append("XFF %r" % vals("X-Forwarded-For"))
if vals("X-Real-IP") != ["127.0.0.1"]: errs.append("X-Real-IP %r" % vals("X-Real-IP"))
if vals("X-Forwarded-Proto") != ["https"]: errs.append("XFP %r" % vals("X-Forwarded-Proto"))
if vals("X-Forwarded-Host") != [vals("Host")[0]]: errs.append("XFH %r" % vals("X-Forwarded-Host"))
if vals("Tailscale-Funnel-Request") != ["?1"]: errs.append("TFR %r" % vals("Tailscale-Funnel-Request"))
for n in ("Forwarded", "Tailscale-User-Login", "Tailscale-App-Capabilities"):
    if vals(n): errs.append("leaked " + n)
print("; ".join(errs)); sys.exit(1 if errs else 0)' && ok "backend saw one XFF = client, set headers, no spoofed ones, target byte for byte" ||
	bad "headers at the backend: $out"

# 2. keep-alive: two requests, one TLS connection at the node
n0=$(grep -c ' tls ' "$FL_DIR/node.log")
fl_curl -o /dev/null -o /dev/null "$URL/echo?k=1" "$URL/echo?k=2"
n1=$(grep -c ' tls ' "$FL_DIR/node.log")
[ $((n1 - n0)) -eq 1 ] && [ "$(grep -c 'target=/echo?k=' "$FL_DIR/node.log")" -eq 2 ] &&
	ok "keep-alive: 2 requests on 1 connection" || bad "keep-alive: $((n1 - n0)) handshakes"

# 3. chunked upload
head -c 300000 /dev/urandom >"$FL_DIR/up.bin"
want=$(sha256sum "$FL_DIR/up.bin" | cut -d' ' -f1)
got=$(fl_curl -H 'Transfer-Encoding: chunked' --data-binary @"$FL_DIR/up.bin" "$URL/upload")
[ "$got" = "$want" ] && ok "chunked upload sha256" || bad "chunked upload: $got != $want"
got=$(fl_curl --data-binary @"$FL_DIR/up.bin" "$URL/upload")
[ "$got" = "$want" ] && ok "Content-Length upload sha256" || bad "upload: $got"

# Expect: 100-continue: the backend's interim 100 passes through, then the body
out=$(fl_curl -v -H 'Expect: 100-continue' --data-binary @"$FL_DIR/up.bin" "$URL/upload" 2>&1)
printf '%s\n' "$out" | grep -q '^< HTTP/1.1 100 Continue' && printf '%s\n' "$out" | grep -q "^$want" &&
	ok "1xx: 100 Continue passed on, body intact" || bad "100-continue: $(printf '%s\n' "$out" | grep '^<' | head -5)"

# 4. large download with checksum (100 MB; 10 MB under sanitizers)
big=100000000
[ -n "${FSC_SANITIZED:-}" ] && big=10000000
want=$(python3 -c "
import hashlib, sys
b = bytes(range(256)) * 256; h = hashlib.sha256(); n = $big
while n > 0:
    h.update(b[:min(n, 65536)]); n -= 65536
print(h.hexdigest())")
got=$(fl_curl --max-time 120 "$URL/big?n=$big" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] && ok "download of $big bytes, sha256 matches" || bad "download checksum"
got=$(fl_curl "$URL/chunked?n=100000" | sha256sum | cut -d' ' -f1)
want=$(python3 -c "import hashlib; print(hashlib.sha256((bytes(range(256))*64*7)[:100000]).hexdigest())")
[ "$got" = "$want" ] && ok "chunked download" || bad "chunked download"

# 5. HEAD, 304, 404 from the backend, Text handler
hdr=$(fl_curl -I "$URL/big?n=12345")
echo "$hdr" | grep -qi '^content-length: 12345' && ok "HEAD keeps Content-Length" || bad "HEAD: $hdr"
code=$(fl_curl -o /dev/null -w '%{http_code}' -H 'If-None-Match: "v1"' "$URL/etag")
[ "$code" = 304 ] && ok "304" || bad "304: $code"
code=$(fl_curl -o /dev/null -w '%{http_code}' "$URL/nothing-here")
[ "$code" = 404 ] && ok "backend 404 passed on" || bad "404: $code"
[ "$(fl_curl "$URL/hello")" = "hello from fnode" ] && ok "Text handler" || bad "Text handler"
# keep-alive across HEAD, 304 and a body (framing without bodies)
C="--cacert $FL_DIR/ca.crt --resolve $FL_NAME:$FL_PUB:127.0.0.1 -s -o /dev/null -w %{http_code}:%{num_connects}"
curl $C -I "$URL/etag" --next $C -H 'If-None-Match: "v1"' "$URL/etag" --next $C "$URL/hello" \
	>"$FL_DIR/mixed" 2>&1
grep -q '^200:1304:0200:0$' "$FL_DIR/mixed" && ok "HEAD, 304, 200 on one connection" ||
	bad "mixed keep-alive: $(cat "$FL_DIR/mixed")"

# 6. SSE: five events 400 ms apart, each arriving well before the next
$CLIENT sse "$FL_NAME" "$FL_PUB" "$FL_DIR/ca.crt" "/sse?n=5&ms=400" >"$FL_DIR/sse" 2>&1
if [ "$(wc -l <"$FL_DIR/sse")" -eq 5 ] &&
	awk '$2 > 0.3 { exit 1 }' "$FL_DIR/sse"; then
	ok "SSE: 5 events, each within 300 ms of being sent (400 ms apart: a buffered stream fails) (max $(sort -k2 -n "$FL_DIR/sse" | tail -1 | cut -d' ' -f2) s)"
else
	bad "SSE arrival: $(cat "$FL_DIR/sse")"
fi

# 7. WebSocket with a query string, echo
$CLIENT ws "$FL_NAME" "$FL_PUB" "$FL_DIR/ca.crt" "/ws?room=a%2Fb&token=x%20y&e=" "ping-42" >"$FL_DIR/ws" 2>&1
[ "$(sed -n 1p "$FL_DIR/ws")" = "/ws?room=a%2Fb&token=x%20y&e=" ] && [ "$(sed -n 2p "$FL_DIR/ws")" = "ping-42" ] &&
	ok "WebSocket: query kept byte for byte, echo" || bad "WebSocket: $(cat "$FL_DIR/ws")"

# 8. TCP forwarding with TLS terminated and a PROXY v2 header (TS#18865
# sends 0 bytes in this mode): the backend reads the client's address
out=$(printf 'hello-tcp\n' | openssl s_client -quiet -connect "127.0.0.1:$FL_TCP_PUB" \
	-servername "$FL_NAME" -CAfile "$FL_DIR/ca.crt" 2>/dev/null)
src=${out%% dst=*}
case $out in
"src=127.0.0.1:"*" dst=127.0.0.1:$FL_TCP_BE line=hello-tcp")
	# the source is the public client as the edge saw it, port included
	for i in 1 2 3 4 5 6 7 8 9 10; do	# the edge logs a connection when it ends
		grep -q "conn client=${src#src=} .*outcome=proxied" "$FL_DIR/edge.log" && break
		sleep 0.2
	done
	grep -q "conn client=${src#src=} .*outcome=proxied" "$FL_DIR/edge.log" &&
		ok "TCP forward + TerminateTLS + PROXY v2: $out" || bad "PROXY source $src not the client" ;;
*) bad "TCP forward: '$out'" ;;
esac

# a client that goes away mid-body still gets its access-log line
fl_curl --max-time 1 -o /dev/null "$URL/big?n=100000000000" 2>/dev/null
sleep 1
grep -q 'target=/big?n=100000000000 status=200 bytes=[0-9]* ms=[0-9]* handler=proxy end="cut during the response body"' \
	"$FL_DIR/node.log" && ok "a cut request is logged as cut" || bad "cut request: $(grep 100000000000 "$FL_DIR/node.log")"

# 9. the TLS key log (opt-in: --tls-keylog or SSLKEYLOGFILE)
grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]* [0-9a-f]*$' "$FL_DIR/tls.keys" &&
	ok "--tls-keylog: NSS key log lines" || bad "TLS key log"
[ "$(stat -c %a "$FL_DIR/tls.keys")" = 600 ] && ok "--tls-keylog: mode 0600" ||
	bad "TLS key log mode $(stat -c %a "$FL_DIR/tls.keys")"

# 10. the access log: one line a request with client, sni, host, status, bytes
grep -q "request client=127.0.0.1:[0-9]* sni=$FL_NAME host=$FL_NAME:$FL_PUB method=GET target=/etag status=304" \
	"$FL_DIR/node.log" && ok "access log line" || bad "access log"
grep -q "outcome=proxied" "$FL_DIR/edge.log" && ok "edge logged proxied connections" || bad "edge log"
# --access-log: the same requests in fdecode's combined format, the client as
# host; the cut one as cut (no size); GoAccess reads every line
grep -q "^127\.0\.0\.1 - - \[[0-9]*/[A-Z][a-z]*/[0-9]*:[0-9:]* +0000\] \"GET /etag HTTP/1\.1\" 304 " \
	"$FL_DIR/access.log" && ok "--access-log combined line" || bad "--access-log: $(head -3 "$FL_DIR/access.log")"
[ "$(wc -l <"$FL_DIR/access.log")" -eq "$(grep -c ' request client=' "$FL_DIR/node.log")" ] &&
	ok "--access-log: a line a request" || bad "--access-log: $(wc -l <"$FL_DIR/access.log") lines"
if command -v goaccess >/dev/null 2>&1; then
	goaccess --no-global-config --log-format=COMBINED -o "$FL_DIR/ga.json" "$FL_DIR/access.log" 2>/dev/null
	python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["general"]; sys.exit(g["failed_requests"] != 0 or g["total_requests"] < 5)' \
		"$FL_DIR/ga.json" && ok "GoAccess reads fnode's access log" || bad "GoAccess on fnode's access log"
fi

# 11. --metrics: a request counter that moves by the requests made (three
# 200s, one 404), its total equal to the node's request lines; the edge's
# proxied connections and relayed bytes; promtool finds nothing to fix
met() { curl -sS --max-time 5 "http://127.0.0.1:$1/metrics"; }
series() { awk -v k="$1" 'index($0, k) == 1 { print $2; f = 1 } END { if (!f) print 0 }'; }
NODE_2XX="funnelscope_node_requests_total{host=\"$FL_NAME:$FL_PUB\",class=\"2xx\",origin=\"funnel\"}"
NODE_4XX="funnelscope_node_requests_total{host=\"$FL_NAME:$FL_PUB\",class=\"4xx\",origin=\"funnel\"}"
b2=$(met "$MET_NODE" | series "$NODE_2XX ")
b4=$(met "$MET_NODE" | series "$NODE_4XX ")
fl_curl -o /dev/null -o /dev/null -o /dev/null -o /dev/null "$URL/hello" "$URL/hello" "$URL/hello" \
	"$URL/nothing-here"
i=0 # the node counts a request as its answer ends; give it up to 5 s
while [ $i -lt 50 ] && [ "$(met "$MET_NODE" | series "$NODE_4XX ")" != $((b4 + 1)) ]; do
	sleep 0.1; i=$((i + 1))
done
met "$MET_NODE" >"$FL_DIR/node.prom"
met "$MET_EDGE" >"$FL_DIR/edge.prom"
a2=$(series "$NODE_2XX " <"$FL_DIR/node.prom")
a4=$(series "$NODE_4XX " <"$FL_DIR/node.prom")
[ $((a2 - b2)) -eq 3 ] && [ $((a4 - b4)) -eq 1 ] && ok "fnode --metrics: +3 2xx, +1 4xx" ||
	bad "fnode --metrics: 2xx $b2 -> $a2, 4xx $b4 -> $a4"
total=$(awk '/^funnelscope_node_requests_total\{/ { n += $2 } END { print n + 0 }' "$FL_DIR/node.prom")
[ "$total" -eq "$(grep -c ' request client=' "$FL_DIR/node.log")" ] &&
	ok "fnode --metrics: requests_total = request log lines ($total)" ||
	bad "fnode --metrics: $total requests, $(grep -c ' request client=' "$FL_DIR/node.log") lines"
grep -q '^funnelscope_node_request_duration_seconds_count{host="'"$FL_NAME:$FL_PUB"'"} [1-9]' \
	"$FL_DIR/node.prom" && grep -q '^funnelscope_node_tls_handshakes_total [1-9]' "$FL_DIR/node.prom" &&
	ok "fnode --metrics: latency histogram, TLS handshakes" || bad "fnode --metrics: $(head -40 "$FL_DIR/node.prom")"
grep -q '^funnelscope_edge_connections_total{sni="'"$FL_NAME"'",outcome="proxied"} [1-9]' "$FL_DIR/edge.prom" &&
	grep -q '^funnelscope_edge_relayed_bytes_total{direction="down"} [1-9]' "$FL_DIR/edge.prom" &&
	ok "fedge --metrics: proxied by SNI, bytes relayed" || bad "fedge --metrics: $(cat "$FL_DIR/edge.prom")"
if command -v promtool >/dev/null 2>&1; then
	for f in node edge; do
		promtool check metrics <"$FL_DIR/$f.prom" >"$FL_DIR/pt" 2>&1 &&
			ok "promtool check metrics: f$f" || bad "promtool on f$f: $(cat "$FL_DIR/pt")"
	done
fi

# 12. log rotation: mv the node's --access-log and --log and the edge's
# --log, SIGHUP both: they go on, the lines before the signal stay in the
# old files, the next two requests are in new ones, and together they are
# all the lines, none lost or doubled: the node's access lines and request
# events match, a request each, and the edge's connection events match its
# --metrics connections
before=$(wc -l <"$FL_DIR/access.log")
nbefore=$(grep -c ' request client=' "$FL_DIR/node.log")
for f in access node edge; do mv "$FL_DIR/$f.log" "$FL_DIR/$f.log.1"; done
kill -HUP "$FL_NODE_PID" "$FL_EDGE_PID"
i=0 # each reopens on its next tick (250 ms)
while [ $i -lt 50 ] && ! { [ -f "$FL_DIR/access.log" ] && [ -f "$FL_DIR/node.log" ] &&
	[ -f "$FL_DIR/edge.log" ]; }; do
	sleep 0.1; i=$((i + 1))
done
fl_curl -o /dev/null -o /dev/null "$URL/hello?hup=1" "$URL/hello?hup=2"
i=0
while [ $i -lt 50 ] && [ "$(wc -l <"$FL_DIR/access.log" 2>/dev/null || echo 0)" -lt 2 ]; do
	sleep 0.1; i=$((i + 1))
done
if kill -0 "$FL_NODE_PID" 2>/dev/null && [ "$(wc -l <"$FL_DIR/access.log.1")" -eq "$before" ] &&
	[ "$(grep -c 'hup=' "$FL_DIR/access.log")" -eq 2 ] && ! grep -q 'hup=' "$FL_DIR/access.log.1" &&
	[ "$(cat "$FL_DIR/access.log.1" "$FL_DIR/access.log" | wc -l)" -eq \
		"$(cat "$FL_DIR/node.log.1" "$FL_DIR/node.log" | grep -c ' request client=')" ]; then
	ok "fnode SIGHUP: access log rotated ($before lines before, $(wc -l <"$FL_DIR/access.log") after)"
else
	bad "fnode SIGHUP: $before before, old $(wc -l <"$FL_DIR/access.log.1" 2>&1), new $(wc -l <"$FL_DIR/access.log" 2>&1), $(cat "$FL_DIR/node.log.1" "$FL_DIR/node.log" | grep -c ' request client=') request lines"
fi
nold=$(grep -c ' request client=' "$FL_DIR/node.log.1")
[ "$nold" -eq "$nbefore" ] && ! grep -q 'hup=' "$FL_DIR/node.log.1" &&
	[ "$(grep -c ' request client=.*hup=' "$FL_DIR/node.log")" -eq 2 ] &&
	[ "$(grep -c ' request client=' "$FL_DIR/node.log")" -eq 2 ] &&
	ok "fnode SIGHUP: --log rotated ($nold request lines before, 2 after)" ||
	bad "fnode SIGHUP: --log: $nbefore request lines before, old $nold, new $(grep -c ' request client=' "$FL_DIR/node.log")"
# The edge logs a connection when it ends, and counts it in --metrics then.
econns() { cat "$FL_DIR/edge.log.1" "$FL_DIR/edge.log" | grep -c ' conn client='; }
i=0
while [ $i -lt 50 ]; do
	l0=$(econns)
	m=$(met "$MET_EDGE" | awk '/^funnelscope_edge_connections_total\{/ { n += $2 } END { print n + 0 }')
	[ "$l0" -eq "$m" ] && [ "$(econns)" -eq "$l0" ] && grep -q ' conn client=' "$FL_DIR/edge.log" && break
	sleep 0.1; i=$((i + 1))
done
kill -0 "$FL_EDGE_PID" 2>/dev/null && [ "$l0" -eq "$m" ] && grep -q ' conn client=.*outcome=proxied' "$FL_DIR/edge.log" &&
	[ -z "$(sort "$FL_DIR/edge.log.1" "$FL_DIR/edge.log" | uniq -d)" ] &&
	ok "fedge SIGHUP: --log rotated ($(grep -c ' conn client=' "$FL_DIR/edge.log.1") connections before, $(grep -c ' conn client=' "$FL_DIR/edge.log") after, $m in --metrics)" ||
	bad "fedge SIGHUP: --log: $l0 connection lines, $m in --metrics, new file: $(cat "$FL_DIR/edge.log")"

# 13. clients in --metrics (fsc/agg.h's table, fsc/prom.h's series, as
# fwatch's): the edge restarted behind a "load balancer" (--accept-proxy),
# six connections from five public sources in PROXY headers. The node's
# new clients = the distinct X-Forwarded-For addresses its backend saw; the
# new edge's = the five; with GeoIP, clients by country and AS.
kill "$FL_EDGE_PID"
wait "$FL_EDGE_PID" 2>/dev/null
"$FSC_BIN/fedge" --listen "127.0.0.1:$FL_PUB" --route "$FL_NAME=127.0.0.1:$FL_PEER" --accept-proxy \
	--metrics "127.0.0.1:$MET_EDGE2" $GEO >/dev/null 2>>"$FL_DIR/edge2.log" &
FL_PIDS="$FL_PIDS $!"
fl_wait_port "$FL_PUB" && fl_wait_port "$MET_EDGE2" || bad "the edge with --accept-proxy did not start"
for src in 66.249.72.211 66.249.72.212 81.2.69.160 203.0.113.7 198.18.1.5 66.249.72.211; do
	$CLIENT proxy-get "$FL_NAME" "$FL_PUB" "$FL_DIR/ca.crt" \
		"PROXY TCP4 $src 127.0.0.1 40000 443\\r\\n" /echo >/dev/null
done
i=0
while [ $i -lt 50 ] && [ "$(grep -c '"X-Forwarded-For", "66.249.72.211"' "$FL_DIR/backend.jsonl")" -lt 2 ]; do
	sleep 0.1; i=$((i + 1))
done
sleep 0.3 # the node's request line (and count) follows the backend's answer
met "$MET_NODE" >"$FL_DIR/node2.prom"
met "$MET_EDGE2" >"$FL_DIR/edge2.prom"
xff=$(python3 -c '
import json, sys
print(len({v for l in open(sys.argv[1]) for k, v in json.loads(l)["headers"] if k.lower() == "x-forwarded-for"}))' \
	"$FL_DIR/backend.jsonl")
nn=$(series "funnelscope_node_clients_new_total " <"$FL_DIR/node2.prom")
ne=$(series "funnelscope_edge_clients_new_total " <"$FL_DIR/edge2.prom")
[ "$nn" -eq "$xff" ] && [ "$xff" -eq 6 ] &&
	ok "fnode --metrics: clients_new_total $nn = distinct X-Forwarded-For at the backend (127.0.0.1 + 5)" ||
	bad "fnode clients_new_total $nn, backend saw $xff X-Forwarded-For addresses"
[ "$ne" -eq 5 ] && [ "$(series "funnelscope_edge_clients " <"$FL_DIR/edge2.prom")" -eq 5 ] &&
	ok "fedge --metrics: 5 new clients from 6 PROXY connections" ||
	bad "fedge clients_new_total $ne: $(grep clients "$FL_DIR/edge2.prom")"
if [ -n "$GEO" ]; then
	for f in node edge; do
		c=$(grep "^funnelscope_${f}_clients_by_country{" "$FL_DIR/${f}2.prom" | sort | tr '\n' ' ')
		a=$(grep "^funnelscope_${f}_clients_by_asn{" "$FL_DIR/${f}2.prom" | sort | tr '\n' ' ')
		want_c='funnelscope_F_clients_by_country{country="GB"} 1 funnelscope_F_clients_by_country{country="JP"} 1 funnelscope_F_clients_by_country{country="US"} 3 '
		want_a='funnelscope_F_clients_by_asn{asn="15169"} 2 funnelscope_F_clients_by_asn{asn="64496"} 1 funnelscope_F_clients_by_asn{asn="64497"} 1 funnelscope_F_clients_by_asn{asn="64501"} 1 '
		[ "$f" = node ] && { # and 127.0.0.1, in no database
			want_c="$want_c"'funnelscope_F_clients_by_country{country="unknown"} 1 '
			want_a="$want_a"'funnelscope_F_clients_by_asn{asn="unknown"} 1 '
		}
		want_c=$(printf '%s' "$want_c" | sed "s/_F_/_${f}_/g" | tr ' ' '\n' | paste -d' ' - - | sort | tr '\n' ' ')
		want_a=$(printf '%s' "$want_a" | sed "s/_F_/_${f}_/g" | tr ' ' '\n' | paste -d' ' - - | sort | tr '\n' ' ')
		[ "$c" = "$want_c" ] && [ "$a" = "$want_a" ] &&
			ok "f$f --metrics --geoip-db: clients by country and AS" ||
			bad "f$f GeoIP series: '$c' '$a', want '$want_c' '$want_a'"
	done
else
	echo "SKIP: clients by country and AS (libmaxmind-db-writer-perl missing)"
fi
# --geoip-db feeds --metrics alone: without it, a usage error (exit 2)
"$FSC_BIN/fnode" --serve-config "$FL_DIR/serve.json" --peerapi 127.0.0.1:1 --any-edge \
	--geoip-db "$FL_DIR/x.mmdb" 2>"$FL_DIR/usage"
rc=$?
[ $rc -eq 2 ] && grep -q "^fnode: --geoip-db: '$FL_DIR/x.mmdb': only --metrics uses it" "$FL_DIR/usage" &&
	ok "fnode --geoip-db without --metrics: exit 2" || bad "fnode --geoip-db alone: exit $rc, $(cat "$FL_DIR/usage")"
if command -v promtool >/dev/null 2>&1; then
	for f in node edge; do
		promtool check metrics <"$FL_DIR/${f}2.prom" >"$FL_DIR/pt" 2>&1 &&
			ok "promtool check metrics with clients: f$f" || bad "promtool on f$f: $(cat "$FL_DIR/pt")"
	done
fi

if [ $fail -ne 0 ]; then
	echo "--- node.log"; tail -n 30 "$FL_DIR/node.log"
	echo "--- edge.log"; tail -n 30 "$FL_DIR/edge.log"
fi
fl_stop
fl_sanitizers || bad "a sanitizer report in the logs"
exit $fail
