#!/bin/sh
# tls_decrypt_tshark.sh - TLS 1.3 decryption against tshark as the oracle:
# curl (SSLKEYLOGFILE) against openssl s_server on loopback, one connection
# per TLS 1.3 suite (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305) and HEAD
# among the GETs, captured with tcpdump. fdecode --tls-keylog must find the
# same decrypted requests (client port, method, target, Host) as tshark
# -o tls.keylog_file, each flagged tls-decrypted; the same from the
# capture's own secrets block (editcap --inject-secrets tls,FILE); fwatch
# --tls-keylog shows them; none without the keys.
set -eu

[ "$(id -u)" -eq 0 ] || { echo "skip: tcpdump on lo needs root"; exit 77; }
for t in tcpdump tshark editcap curl openssl python3 timeout; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done

. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init W
cd "$W"
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

PORT=$((20000 + $$ % 20000))
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem \
	-out cert.pem -days 1 -subj /CN=localhost >/dev/null 2>&1
openssl s_server -accept "127.0.0.1:$PORT" -cert cert.pem -key key.pem -www -quiet \
	>/dev/null 2>&1 </dev/null &
PIDS="$PIDS $!"
tcpdump --immediate-mode -s 65535 -B 131072 -U -n -i lo -w cap.pcap "tcp port $PORT" \
	2>/dev/null &
TD=$!
PIDS="$PIDS $TD"
i=0
until [ -s cap.pcap ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5

n=0
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	n=$((n + 1))
	SSLKEYLOGFILE=$W/keys.log timeout 10 curl -sk --tlsv1.3 --tls13-ciphers "$suite" \
		-o /dev/null "https://localhost:$PORT/get/$n?suite=$suite" ||
		bad "curl with $suite"
	SSLKEYLOGFILE=$W/keys.log timeout 10 curl -sk --tlsv1.3 --tls13-ciphers "$suite" -I \
		-o /dev/null -H "Host: head$n.example.test" "https://localhost:$PORT/head/$n" ||
		true # s_server -www answers HEAD with a body: curl objects; the request counts
done
sleep 0.5
kill "$TD"
wait "$TD" 2>/dev/null || true
[ "$(grep -c '^CLIENT_TRAFFIC_SECRET_0 ' keys.log)" -eq 6 ] && ok "6 connections in the key log" ||
	bad "key log: $(cat keys.log)"

# port method target host, one line a request, sorted
tshark -r cap.pcap -o "tls.keylog_file:$W/keys.log" -d "tcp.port==$PORT,tls" -Y http.request \
	-T fields -e tcp.srcport -e http.request.method -e http.request.uri -e http.host \
	2>/dev/null | awk -F'\t' '{ print $1, $2, $3, $4 }' | sort >tshark.txt
lines() {	# fdecode's JSON lines -> the same form; every request flagged
	python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o.get("type") != "http_request":
        continue
    if "tls-decrypted" not in o.get("flags", []):
        print("not flagged:", line.strip())
    print(o["sport"], o["method"], o["uri"], o.get("host", ""))
' | sort
}
"$FSC_BIN/fdecode" -n --json --tls-keylog keys.log cap.pcap | lines >fdecode.txt
[ "$(wc -l <tshark.txt)" -eq 6 ] && ok "tshark decrypted 6 requests" || bad "tshark: $(cat tshark.txt)"
cmp -s tshark.txt fdecode.txt && ok "fdecode --tls-keylog: the same requests as tshark" ||
	{ bad "fdecode and tshark differ"; diff tshark.txt fdecode.txt || true; }

editcap --inject-secrets "tls,$W/keys.log" cap.pcap secrets.pcapng >/dev/null 2>&1 ||
	bad "editcap --inject-secrets"
"$FSC_BIN/fdecode" -n --json secrets.pcapng | lines >dsb.txt
cmp -s tshark.txt dsb.txt && ok "the pcapng's TLS secrets block: the same requests" ||
	{ bad "from the secrets block"; diff tshark.txt dsb.txt || true; }

# fwatch reads them the same way (its request rows)
timeout 60 "$FSC_BIN/fwatch" -n -r cap.pcap --tls-keylog keys.log --dump >fwatch.txt 2>&1 || true
[ "$(grep -cE ' (GET|HEAD) .* /(get|head)/[0-9]' fwatch.txt)" -eq 6 ] &&
	ok "fwatch --tls-keylog: the 6 requests in its rows" || bad "fwatch: $(cat fwatch.txt)"
"$FSC_BIN/fdecode" -n --json cap.pcap | lines >none.txt
[ ! -s none.txt ] && ok "without the keys: no request invented" || bad "without keys: $(cat none.txt)"
# Live: the server's own key log (s_server -keylogfile, as fnode
# --tls-keylog), empty when fdecode starts and read again as it grows.
PORT2=$((PORT + 1))
: >server.keys
"$FSC_BIN/fdecode" -n --json -i lo --tls-keylog server.keys "tcp port $PORT2" >live.json 2>live.err &
FD=$!
PIDS="$PIDS $FD"
openssl s_server -accept "127.0.0.1:$PORT2" -cert cert.pem -key key.pem -www -quiet \
	-keylogfile server.keys >/dev/null 2>&1 </dev/null &
PIDS="$PIDS $!"
sleep 1
for k in 1 2 3; do
	timeout 10 curl -sk --tlsv1.3 -o /dev/null "https://localhost:$PORT2/live/$k" || bad "curl live $k"
	sleep 0.2
done
sleep 1
kill -INT "$FD"
wait "$FD" 2>/dev/null || true
[ "$(lines <live.json | grep -c ' GET /live/')" -eq 3 ] &&
	ok "live: the key log read as it grows, the 3 requests decrypted" ||
	bad "live: $(cat live.err; lines <live.json)"
"$FSC_BIN/fdecode" -n --summary --tls-keylog keys.log cap.pcap >summary.txt
grep -q "directions opened  *12$" summary.txt && ok "summary: 12 directions opened" ||
	bad "summary: $(grep -A6 'TLS key log' summary.txt)"
exit $fail
