#!/bin/sh
# fdoctor_faults.sh - fdoctor against the reference pair on loopback with
# real DNS servers (dnsmasq on 127.0.0.2-4, a silent one from lib/dns.sh):
# one fault injected at a time, each must give its one verdict and exit
# status, with its evidence. Faults: none (ok), the backend down (502), the
# backend slow (504), a name the edge has no route for (alert
# unrecognized_name; a listener that closes without a word; one that holds
# the connection silently), the same with the node serving it on the ingress
# route and on its tailnet address (openssl s_server), a name with funnel
# off at the node (403, access_denied), a missing certificate, a
# certificate for another name, an expired one, the node
# down (seen on the ingress route), the edge down, NXDOMAIN, two servers
# that disagree (a stale A, an AAAA on one only), the zone's servers found
# with --zone (one stale), a silent server (bounded by --timeout); --json
# and --watch. No root.
set -u
[ -n "${FSC_BIN:-}" ] || { echo "fdoctor_faults: FSC_BIN not set" >&2; exit 2; }
for t in openssl python3 ss; do
	command -v $t >/dev/null || { echo "fdoctor_faults: SKIP: no $t" >&2; exit 77; }
done
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init FL_DIR fdoctor_faults
TMP=$FL_DIR
. "$FSC_SRC/tests/integration/lib/funnel.sh"
. "$FSC_SRC/tests/integration/lib/dns.sh"
dns_usable || { echo "fdoctor_faults: SKIP: no dnsmasq" >&2; exit 77; }
scratch_extra_cleanup() { fl_stop; dns_stop; }
fl_verdicts

# zone LISTEN_ADDR RECORD...: dnsmasq answering host records (name,addr[,addr])
# for example.test and other.test, NXDOMAIN for the rest of them; sets ZONE
zone() {
	_a=$1
	shift
	_p=$(free_port)
	_r=""
	for _x in "$@"; do
		_r="$_r --host-record=$_x"
	done
	# shellcheck disable=SC2086
	"$DNSMASQ" --no-daemon --port="$_p" --listen-address="$_a" --bind-interfaces \
		--no-resolv --no-hosts --local=/example.test/ --local=/other.test/ $_r \
		--log-facility="$FL_DIR/dnsmasq-$_a.log" --log-queries \
		</dev/null >/dev/null 2>"$FL_DIR/dnsmasq-$_a.err" &
	PIDS="$PIDS $!"
	_i=0
	until grep -q started "$FL_DIR/dnsmasq-$_a.log" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && { cat "$FL_DIR/dnsmasq-$_a.err" >&2; return 1; }
		sleep 0.05
	done
	ZONE="$_a:$_p"
}

NAMES="node.example.test off.example.test wrong.example.test expired.example.test unrouted.other.test"
records=""
for n in $NAMES nocert.example.test; do
	records="$records $n,127.0.0.1"
done
zone 127.0.0.2 $records || exit 1
AUTH1=$ZONE
zone 127.0.0.3 $records || exit 1
AUTH2=$ZONE
# a stale copy of the zone: node.example.test at 127.0.0.5, with an AAAA
zone 127.0.0.4 node.example.test,127.0.0.5,::1 || exit 1
STALE=$ZONE
silent_start || exit 1

fl_ports
fl_certs node.example.test off.example.test unrouted.other.test expired.example.test || exit 2
cp "$FL_DIR/certs/off.example.test.crt" "$FL_DIR/certs/wrong.example.test.crt"
cp "$FL_DIR/certs/off.example.test.key" "$FL_DIR/certs/wrong.example.test.key"
# expired: valid for 0 days, so notAfter is already past
openssl x509 -req -in "$FL_DIR/expired.example.test.csr" -CA "$FL_DIR/ca.crt" -CAkey "$FL_DIR/ca.key" \
	-CAcreateserial -days 0 -extfile "$FL_DIR/expired.example.test.ext" \
	-out "$FL_DIR/certs/expired.example.test.crt" 2>/dev/null || exit 2
web=""
funnel=""
for n in $NAMES nocert.example.test; do
	web="$web, \"$n:$FL_PUB\": { \"Handlers\": { \"/\": { \"Proxy\": \"http://127.0.0.1:$FL_BE\" } } }"
	[ $n = off.example.test ] && on=false || on=true
	funnel="$funnel, \"$n:$FL_PUB\": $on"
done
cat >"$FL_DIR/serve.json" <<JSON
{ "TCP": { "$FL_PUB": { "HTTPS": true } },
  "Web": { ${web#, } },
  "AllowFunnel": { ${funnel#, } } }
JSON
fl_backend && fl_node --response-timeout 1 &&
	fl_edge --route "*.example.test=127.0.0.1:$FL_PEER" || { cat "$FL_DIR"/*.log; exit 1; }

D="$FSC_BIN/fdoctor -s $AUTH1 -s $AUTH2 -p $FL_PUB --ca-file $FL_DIR/ca.crt -t 3 --path /echo"
# expect VERDICT EXIT EVIDENCE-REGEX fdoctor-args...
expect() {
	_v=$1 _x=$2 _e=$3
	shift 3
	out=$($D "$@" 2>&1)
	rc=$?
	if [ $rc -eq "$_x" ] && printf '%s\n' "$out" | grep -q "^verdict: $_v$" &&
		printf '%s\n' "$out" | grep -q -- "$_e"; then
		ok "$*: $_v (exit $rc): $(printf '%s\n' "$out" | sed -n '/^verdict/{n;p}' | sed 's/^ *//')"
	else
		bad "$* : want $_v exit $_x /$_e/, got exit $rc:"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

expect ok 0 'public 127.0.0.1 port .*: HTTP 200' node.example.test
expect backend-timeout 10 'HTTP 504' --path '/slow-head?ms=3000' node.example.test
expect edge-closes-after-hello 5 'alert unrecognized name (112)' unrouted.other.test
expect edge-closes-after-hello 5 'the edge has no route for it' --ingress "127.0.0.1:$FL_PEER" unrouted.other.test
expect node-refuses-ingress 7 'alert access denied (49)' off.example.test
expect node-refuses-ingress 7 'answered 403: denied' --ingress "127.0.0.1:$FL_PEER" off.example.test
expect tls-failure-at-node 8 'alert internal error (80)' nocert.example.test
expect tls-failure-at-node 8 'certificate: .*does not name the host' wrong.example.test
expect tls-failure-at-node 8 'certificate: certificate has expired' expired.example.test
expect dns 3 'NXDOMAIN' missing.example.test

# --tailnet: openssl s_server plays the node's own listener on its tailnet
# address; it serves the name the edge has no route for
TN=$(fl_free_port)
openssl s_server -quiet -accept "127.0.0.1:$TN" -cert "$FL_DIR/certs/unrouted.other.test.crt" \
	-key "$FL_DIR/certs/unrouted.other.test.key" -www </dev/null >/dev/null 2>&1 &
PIDS="$PIDS $!"
fl_wait_port "$TN" || exit 1
expect edge-closes-after-hello 5 "tailnet 127.0.0.1 port $TN: HTTP 200" --tailnet "127.0.0.1:$TN" unrouted.other.test

# an edge that reads the ClientHello and closes without a word (what
# Tailscale's relay does for a name it does not route), and one that holds
# the connection silently: both edge-closes-after-hello, the second bounded
# by --timeout
mute_edge() {	# PORT close|hold: a TCP listener that reads, then closes or holds
	python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept(); c.recv(65536)
    if sys.argv[2] == "close": c.close()
    else: time.sleep(30); c.close()
' "$1" "$2" </dev/null >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	fl_wait_port "$1"
}
MUTE=$(fl_free_port)
mute_edge "$MUTE" close || exit 1
out=$($FSC_BIN/fdoctor -s "$AUTH1" -p "$MUTE" -t 3 node.example.test)
rc=$?
[ $rc -eq 5 ] && printf '%s\n' "$out" | grep -q 'TLS: no ServerHello: closed without a word' &&
	ok "close after the ClientHello, no alert: edge-closes-after-hello (exit 5)" ||
	{ bad "mute close: exit $rc"; printf '%s\n' "$out"; }
HOLD=$(fl_free_port)
mute_edge "$HOLD" hold || exit 1
t0=$(now_ms)
out=$($FSC_BIN/fdoctor -s "$AUTH1" -p "$HOLD" -t 1 node.example.test)
rc=$?
t1=$(now_ms)
[ $rc -eq 5 ] && printf '%s\n' "$out" | grep -q 'TLS: no ServerHello: no answer within the timeout' &&
	[ $((t1 - t0)) -ge 900 ] && [ $((t1 - t0)) -lt 10000 ] &&
	ok "silence after the ClientHello: edge-closes-after-hello after $((t1 - t0)) ms (1 s timeout)" ||
	{ bad "mute hold: exit $rc in $((t1 - t0)) ms"; printf '%s\n' "$out"; }

# the backend down: 502 from the node
kill "$FL_BE_PID"; wait "$FL_BE_PID" 2>/dev/null
expect backend-error 9 'HTTP 502' node.example.test
fl_backend || exit 1

# the servers disagree: a stale A and an AAAA the others lack
out=$($FSC_BIN/fdoctor -s "$AUTH1" -s "$STALE" -p "$FL_PUB" --ca-file "$FL_DIR/ca.crt" -t 3 --path /echo node.example.test)
rc=$?
[ $rc -eq 3 ] && printf '%s\n' "$out" | grep -q '^verdict: dns$' &&
	printf '%s\n' "$out" | grep -q "dns $STALE: A 127.0.0.5 AAAA ::1 (servers disagree)" &&
	printf '%s\n' "$out" | grep -q '^dns      the servers DISAGREE' &&
	printf '%s\n' "$out" | grep -q '^public 127.0.0.5 port' &&
	ok "disagreeing servers: dns (exit 3), each server's answer, every address probed" ||
	{ bad "disagreement: exit $rc"; printf '%s\n' "$out"; }

# --zone: the zone's servers found through a resolver (dnsmasq in auth mode
# on 127.0.0.6 names ns1 = itself and ns2 = 127.0.0.7, which is stale)
ZP=$(free_port)
"$DNSMASQ" --no-daemon --port="$ZP" --listen-address=127.0.0.6 --bind-interfaces --no-resolv \
	--no-hosts --auth-server=ns1.example.test,127.0.0.6 --auth-zone=example.test \
	--auth-sec-servers=ns2.example.test --host-record=ns1.example.test,127.0.0.6 \
	--host-record=ns2.example.test,127.0.0.7 --host-record=node.example.test,127.0.0.1 \
	--log-facility="$FL_DIR/dnsmasq-ns1.log" </dev/null >/dev/null 2>&1 &
PIDS="$PIDS $!"
"$DNSMASQ" --no-daemon --port="$ZP" --listen-address=127.0.0.7 --bind-interfaces --no-resolv \
	--no-hosts --local=/example.test/ --host-record=node.example.test,127.0.0.9 \
	--log-facility="$FL_DIR/dnsmasq-ns2.log" </dev/null >/dev/null 2>&1 &
PIDS="$PIDS $!"
i=0
until grep -q started "$FL_DIR/dnsmasq-ns1.log" 2>/dev/null && grep -q started "$FL_DIR/dnsmasq-ns2.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
out=$($FSC_BIN/fdoctor -r "127.0.0.6:$ZP" -z example.test --ns-port "$ZP" -p "$FL_PUB" --ca-file "$FL_DIR/ca.crt" -t 3 node.example.test)
rc=$?
[ $rc -eq 3 ] && printf '%s\n' "$out" | grep -q "^dns 127.0.0.6:$ZP (authoritative) .*: A 127.0.0.1," &&
	printf '%s\n' "$out" | grep -q "^dns 127.0.0.7:$ZP (authoritative) .*: A 127.0.0.9," &&
	printf '%s\n' "$out" | grep -q '^verdict: dns$' &&
	ok "--zone: both NS found through the resolver, the stale one shown: dns (exit 3)" ||
	{ bad "--zone: exit $rc"; printf '%s\n' "$out"; }

# a silent server: the verdict within the timeout, not the server's
t0=$(now_ms)
out=$($FSC_BIN/fdoctor -r "$SILENT_ADDR" -p "$FL_PUB" -t 1 node.example.test)
rc=$?
t1=$(now_ms)
q=$(silent_queries)
[ $rc -eq 3 ] && printf '%s\n' "$out" | grep -q "A timeout, AAAA timeout" &&
	[ $((t1 - t0)) -ge 900 ] && [ $((t1 - t0)) -lt 10000 ] && [ "$q" -ge 1 ] &&
	ok "silent server: dns after $((t1 - t0)) ms with a 1 s timeout ($q queries received)" ||
	{ bad "silent server: exit $rc in $((t1 - t0)) ms, $q queries"; printf '%s\n' "$out"; }

# JSON: the same measurements for scripts
js=$($D --json --ingress "127.0.0.1:$FL_PEER" node.example.test)
printf '%s\n' "$js" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["verdict"] == "ok" and d["exit"] == 0, d
assert [x["a"] for x in d["dns"]] == [["127.0.0.1"], ["127.0.0.1"]], d["dns"]
assert d["dns"][0]["kind"] == "authoritative" and not d["dns_disagree"]
p = d["probes"][0]
assert p["http_status"] == 200 and p["cert_verified"] and p["cert_san_ok"], p
assert p["alpn"] == "http/1.1" and p["server_hello"] and p["tls_ms"] >= 0, p
assert d["direct"]["route"] == "ingress" and d["direct"]["ingress_status"] == 101, d["direct"]
' && ok "--json: verdict, DNS per server, TLS, certificate, ALPN, HTTP, the ingress route" ||
	bad "json: $js"

# --watch --json: one JSON line a change; nothing changes here, so one line
js=$($D --watch 0.1 --count 3 --json node.example.test)
rc=$?
[ $rc -eq 0 ] && [ "$(printf '%s\n' "$js" | wc -l)" -eq 1 ] && printf '%s\n' "$js" | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
assert d["verdict"] == "ok" and d["ts"].endswith("Z") and d["evidence"], d
' && ok "--watch --json: one JSON line for three unchanged probes" || bad "watch json: exit $rc: $js"

# the node down: the edge answers internal_error; the ingress route names it
kill "$FL_NODE_PID"; wait "$FL_NODE_PID" 2>/dev/null
expect node-unreachable 6 'ingress 127.0.0.1 port .*: TCP connect: Connection refused' \
	--ingress "127.0.0.1:$FL_PEER" node.example.test
fl_node --response-timeout 1 || exit 1

# --watch: a line when the verdict changes, here ok then backend-error
$D --watch 0.2 --count 40 node.example.test >"$FL_DIR/watch.out" 2>&1 &
WPID=$!
i=0
until [ -s "$FL_DIR/watch.out" ] || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill "$FL_BE_PID"; wait "$FL_BE_PID" 2>/dev/null
wait $WPID
rc=$?
lines=$(wc -l <"$FL_DIR/watch.out")
sed -n 1p "$FL_DIR/watch.out" | grep -q ' node.example.test ok: ' &&
	sed -n 2p "$FL_DIR/watch.out" | grep -q ' node.example.test backend-error: .*HTTP 502' &&
	[ "$lines" -eq 2 ] && [ $rc -eq 9 ] &&
	ok "--watch: one line a change (ok, then backend-error), exit 9 after --count" ||
	{ bad "watch: exit $rc, $lines lines"; cat "$FL_DIR/watch.out"; }

# the edge down
kill "$FL_EDGE_PID"; wait "$FL_EDGE_PID" 2>/dev/null
expect edge-unreachable 4 'TCP connect: Connection refused' node.example.test

# usage errors: one line, exit 2
err=$($FSC_BIN/fdoctor -s 100.100.100.100 x.example.test 2>&1)
[ $? -eq 2 ] && [ "$err" = "fdoctor: --server: '100.100.100.100': MagicDNS answers only inside the tailnet; give a public server" ] &&
	ok "MagicDNS refused: one-line error, exit 2" || bad "magicdns: $err"
err=$($FSC_BIN/fdoctor -s "$AUTH1" --timeout x node.example.test 2>&1)
[ $? -eq 2 ] && [ "$err" = "fdoctor: --timeout: 'x': not a number (0.01 to 86400)" ] &&
	ok "bad --timeout: one-line error" || bad "timeout: $err"
err=$($FSC_BIN/fdoctor -s ns1.example.net node.example.test 2>&1)
[ $? -eq 2 ] && printf '%s\n' "$err" | grep -q "^fdoctor: --server: 'ns1.example.net': not an IP address" &&
	ok "a server by name: one-line error" || bad "server name: $err"

fl_stop
fl_sanitizers || bad "a sanitizer report in the logs"
exit $fail
