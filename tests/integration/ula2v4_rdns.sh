#!/bin/sh
# ula2v4 --resolve/--dns/-n against a real dnsmasq on 127.0.0.1 (a free high
# port) and a UDP server that never answers: names for public, 100.x and
# fd7a addresses, "no" for an unknown one, and no run that waits longer than
# one DNS timeout. Skips (77) without dnsmasq or python3.
set -u
: "${FSC_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FSC_BIN:=$FSC_SRC/build/bin}"
U="$FSC_BIN/ula2v4"
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || { echo "skip: no dnsmasq"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
TMP=$(mktemp -d)
DPID=""
SPID=""
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
now_ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }

free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PORT=$(free_port)
"$DNSMASQ" --no-daemon --port="$PORT" --listen-address=127.0.0.1 --bind-interfaces \
	--no-resolv --no-hosts --log-queries --log-facility="$TMP/dnsmasq.log" \
	--local-ttl=300 --local=/in-addr.arpa/ --local=/ip6.arpa/ \
	--ptr-record=211.72.249.66.in-addr.arpa,crawl-66-249-72-211.googlebot.com \
	--ptr-record=43.208.104.100.in-addr.arpa,laptop.example-tailnet.ts.net \
	--ptr-record=b.2.0.d.8.6.2.6.6.9.d.c.3.4.8.4.2.1.b.a.0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa,laptop.example-tailnet.ts.net \
	</dev/null >/dev/null 2>"$TMP/dnsmasq.err" &
DPID=$!
# A server that takes queries and never answers.
SPORT=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recvfrom(4096)
' "$SPORT" </dev/null >/dev/null 2>&1 &
SPID=$!
i=0
until grep -q "started" "$TMP/dnsmasq.log" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && { cat "$TMP/dnsmasq.err"; echo "dnsmasq did not start" >&2; exit 1; }
	sleep 0.05
done
D="127.0.0.1:$PORT"

# 1. Names: public, 100.x and its 4to6 address.
"$U" --dns "$D" 66.249.72.211 100.104.208.43 fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b \
	>"$TMP/o" 2>"$TMP/e"
rc=$?
cat >"$TMP/want" <<'X'
66.249.72.211  -  public  rdns=crawl-66-249-72-211.googlebot.com
100.104.208.43  fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b  cgnat  rdns=laptop.example-tailnet.ts.net
fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b  100.104.208.43  4to6  rdns=laptop.example-tailnet.ts.net
X
[ $rc -eq 0 ] && diff -u "$TMP/want" "$TMP/o" && [ ! -s "$TMP/e" ] && ok || bad "names (rc $rc)"

# 2. JSON carries rdns; an unknown public address is an error line, exit 2.
"$U" --json --dns "$D" 66.249.72.211 66.249.72.212 >"$TMP/o" 2>"$TMP/e"
rc=$?
grep -q '"rdns":"crawl-66-249-72-211.googlebot.com"' "$TMP/o" && [ $rc -eq 2 ] &&
	grep -qx "ula2v4: '66.249.72.212': public address: no Tailscale counterpart (only 100.x, 4to6, 4via6 and service addresses map); no PTR name" "$TMP/e" &&
	ok || bad "json / nxdomain (rc $rc)"

# 3. -n wins over --dns: no query at all.
before=$(grep -c 'query\[PTR\]' "$TMP/dnsmasq.log")
"$U" -n --dns "$D" 100.104.208.43 >"$TMP/o" 2>&1
after=$(grep -c 'query\[PTR\]' "$TMP/dnsmasq.log")
[ "$before" = "$after" ] && ! grep -q rdns= "$TMP/o" && ok || bad "-n still asked ($before -> $after)"

# 4. Each distinct address is asked once per run (the cache), and the 4to6
#    input and its 100.x share the 100.x answer.
before=$(grep -c 'query\[PTR\] 43.208.104.100' "$TMP/dnsmasq.log")
"$U" --dns "$D" 100.104.208.43 100.104.208.43 100.104.208.43 >/dev/null 2>&1
after=$(grep -c 'query\[PTR\] 43.208.104.100' "$TMP/dnsmasq.log")
[ $((after - before)) -eq 1 ] && ok || bad "cache: $((after - before)) queries for one address"

# 5. Annotate with names.
printf 'from 66.249.72.211:443 to [fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b]:80.\n' |
	"$U" --annotate --dns "$D" >"$TMP/o"
echo 'from 66.249.72.211:443 [crawl-66-249-72-211.googlebot.com] to [fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b]:80 [100.104.208.43 laptop.example-tailnet.ts.net].' >"$TMP/want"
diff -u "$TMP/want" "$TMP/o" && ok || bad "annotate with names"

# 6. Without --dns, private and Tailscale addresses are never sent to the
#    system resolver: no PTR name appears and the run is instant. (The
#    library's unit test checks that no query leaves; here: no waiting.)
t0=$(now_ms)
"$U" --resolve --timeout 3000 100.104.208.43 >"$TMP/o" 2>&1
t1=$(now_ms)
[ $((t1 - t0)) -lt 1000 ] && ! grep -q rdns= "$TMP/o" && ok || bad "private address was looked up"

# 7. A server that never answers: the run ends about one timeout later than
#    the same run with -n, never more.
IN="66.249.72.211 66.249.72.212 100.104.208.43 fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b"
t0=$(now_ms)
"$U" -n $IN >/dev/null 2>&1
t1=$(now_ms)
"$U" --timeout 700 --dns "127.0.0.1:$SPORT" $IN >"$TMP/o" 2>"$TMP/e"
rc=$?
t2=$(now_ms)
base=$((t1 - t0))
slow=$((t2 - t1))
echo "silent server: -n run ${base} ms, --dns run ${slow} ms (timeout 700)"
[ $rc -eq 2 ] && [ $((slow - base)) -le 1000 ] && [ "$slow" -ge 600 ] &&
	[ "$(wc -l <"$TMP/o")" -eq 2 ] && ok || bad "silent server: rc $rc, ${slow} ms"

# 8. Annotate against the silent server also ends within the timeout.
t0=$(now_ms)
printf 'a 66.249.72.211 b\nc 66.249.72.99 d\n' | "$U" --annotate --timeout 500 --dns "127.0.0.1:$SPORT" >"$TMP/o"
t1=$(now_ms)
printf 'a 66.249.72.211 b\nc 66.249.72.99 d\n' | cmp -s - "$TMP/o" && [ $((t1 - t0)) -lt 1400 ] &&
	ok || bad "annotate with a silent server: $((t1 - t0)) ms"

# 9. A bad --dns value is a usage error (exit 1) with a reason.
"$U" --dns dns.example 1.2.3.4 >/dev/null 2>"$TMP/e"
rc=$?
[ $rc -eq 1 ] && grep -qx "ula2v4: DNS server 'dns.example': not an IP address (names are not resolved here)" "$TMP/e" &&
	ok || bad "bad --dns (rc $rc): $(cat "$TMP/e")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
