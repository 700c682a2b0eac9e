#!/bin/sh
# ula2v4 --resolve/--dns/-n against a real dnsmasq on 127.0.0.1 (a free high
# port) and a UDP server that never answers: names for public, 100.x and
# fd7a addresses, "no" for an unknown one, and no run that waits longer than
# one DNS timeout. Skips (77) without dnsmasq or python3.
set -u
: "${FSC_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FSC_BIN:=$FSC_SRC/build/bin}"
U="$FSC_BIN/ula2v4"
. "$FSC_SRC/tests/integration/lib/dns.sh"
dns_usable || { echo "skip: needs dnsmasq and python3"; exit 77; }
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_extra_cleanup() { dns_stop; }
scratch_init TMP
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }


dns_start \
	211.72.249.66.in-addr.arpa,crawl-66-249-72-211.googlebot.com \
	43.208.104.100.in-addr.arpa,laptop.example-tailnet.ts.net \
	b.2.0.d.8.6.2.6.6.9.d.c.3.4.8.4.2.1.b.a.0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa,laptop.example-tailnet.ts.net || exit 1
silent_start || exit 1
D=$DNS_ADDR

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

# 2. JSON carries rdns; a public address with no PTR name is its class
# alone, with no rdns key, exit 0.
"$U" --json --dns "$D" 66.249.72.211 66.249.72.212 >"$TMP/o" 2>"$TMP/e"
rc=$?
grep -q '"rdns":"crawl-66-249-72-211.googlebot.com"' "$TMP/o" && [ $rc -eq 0 ] &&
	grep -q '^{"input":"66.249.72.212",.*"class":"public"' "$TMP/o" &&
	! grep '"66.249.72.212"' "$TMP/o" | grep -q rdns && [ ! -s "$TMP/e" ] &&
	ok || bad "json / nxdomain (rc $rc)"

# 3. -n wins over --dns: no query at all.
before=$(dns_queries)
"$U" -n --dns "$D" 100.104.208.43 >"$TMP/o" 2>&1
after=$(dns_queries)
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
echo 'from 66.249.72.211:443 [crawl-66-249-72-211.googlebot.com] to [fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b]:80 [4to6 100.104.208.43 laptop.example-tailnet.ts.net].' >"$TMP/want"
diff -u "$TMP/want" "$TMP/o" && ok || bad "annotate with names"

# 6. Without --dns, private and Tailscale addresses are never sent to the
#    system resolver: no PTR name appears and the run is instant. (The
#    library's unit test checks that no query leaves; here: no waiting.)
#    The bound is the 3000 ms timeout a lookup would have waited.
t0=$(now_ms)
"$U" --resolve --timeout 3000 100.104.208.43 >"$TMP/o" 2>&1
t1=$(now_ms)
! grep -q rdns= "$TMP/o" && [ $((t1 - t0)) -lt 3000 ] && ok ||
	bad "private address was looked up ($((t1 - t0)) ms)"

# 7. A server that never answers: the run ends about one timeout later than
#    the same run with -n, never more.
IN="66.249.72.211 66.249.72.212 100.104.208.43 fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b"
#    Its queries are counted at the server (the run had some to wait for);
#    waiting at least the timeout is a lower bound no load can break, and
#    the upper one allows the timeout again for start-up on a busy machine.
t0=$(now_ms)
"$U" -n $IN >/dev/null 2>&1
t1=$(now_ms)
q0=$(silent_queries)
"$U" --timeout 700 --dns "$SILENT_ADDR" $IN >"$TMP/o" 2>"$TMP/e"
rc=$?
t2=$(now_ms)
asked=$(($(silent_queries) - q0))
base=$((t1 - t0))
slow=$((t2 - t1))
echo "silent server: -n run ${base} ms, --dns run ${slow} ms (timeout 700), $asked queries"
[ $rc -eq 0 ] && [ "$asked" -ge 3 ] && [ $((slow - base)) -le 1400 ] && [ "$slow" -ge 600 ] &&
	[ "$(wc -l <"$TMP/o")" -eq 4 ] && ! grep -q rdns= "$TMP/o" && ok || bad "silent server: rc $rc, ${slow} ms, $asked queries"

# 8. Annotate against the silent server also ends within the timeout.
q0=$(silent_queries)
t0=$(now_ms)
printf 'a 66.249.72.211 b\nc 66.249.72.99 d\n' | "$U" --annotate --timeout 500 --dns "$SILENT_ADDR" >"$TMP/o"
t1=$(now_ms)
asked=$(($(silent_queries) - q0))
printf 'a 66.249.72.211 b\nc 66.249.72.99 d\n' | cmp -s - "$TMP/o" && [ "$asked" -ge 1 ] &&
	[ $((t1 - t0)) -lt 1500 ] && ok || bad "annotate with a silent server: $((t1 - t0)) ms, $asked queries"

# 9. A bad --dns value is a usage error (exit 1) with a reason.
"$U" --dns dns.example 1.2.3.4 >/dev/null 2>"$TMP/e"
rc=$?
[ $rc -eq 1 ] && grep -qx "ula2v4: DNS server 'dns.example': not an IP address (names are not resolved here)" "$TMP/e" &&
	ok || bad "bad --dns (rc $rc): $(cat "$TMP/e")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
