#!/bin/sh
# Memory stays bounded however many flows a capture holds: fdecode's peak RSS
# on a million WireGuard sessions (4 million packets, read from a pipe), a
# million half-open connections and 300,000 unfinished HTTP heads (fwatch's
# too) must stay under the caps documented in fdecode(1) and fwatch(1), and
# the summary must report the evictions that kept it there.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
CAP_KB=$((64 * 1024))
N=${FSC_MEMORY_FLOWS:-1000000}
[ -x /usr/bin/time ] || { echo "skip: /usr/bin/time not installed"; exit 77; }
[ "${FSC_SANITIZED:-0}" = 1 ] && { echo "skip: memory caps are not measured under sanitizers"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out" "$out.time" "$out.pcap"' EXIT

python3 "$FSC_SRC/tests/gen/many_flows.py" wg-sessions "$N" |
	/usr/bin/time -o "$out.time" -f "%M" "$FSC_BIN/fdecode" --summary --json - >"$out"
rss=$(tail -n 1 "$out.time")
echo "wg-sessions: $N sessions, peak RSS ${rss} KB (cap ${CAP_KB} KB)"
fail=0
[ "$rss" -lt "$CAP_KB" ] || { echo "FAIL: peak RSS ${rss} KB over the cap"; fail=1; }
grep -q "\"wg\":{\"initiation\":$N,\"response\":$N," "$out" ||
	{ echo "FAIL: not every handshake was counted"; head -c 600 "$out"; fail=1; }
grep -q '"wg_sessions_evicted":[1-9]' "$out" ||
	{ echo "FAIL: no session evictions reported"; fail=1; }

# A million half-open TCP flows (SYNs from distinct endpoints): the flow
# table evicts, it does not grow.
python3 "$FSC_SRC/tests/gen/many_flows.py" tcp-syns "$N" |
	/usr/bin/time -o "$out.time" -f "%M" "$FSC_BIN/fdecode" --summary --json - >"$out"
rss=$(tail -n 1 "$out.time")
echo "tcp-syns: $N half-open flows, peak RSS ${rss} KB (cap ${CAP_KB} KB)"
[ "$rss" -lt "$CAP_KB" ] || { echo "FAIL: peak RSS ${rss} KB over the cap"; fail=1; }
grep -q "\"tcp_flows\":$N," "$out" ||
	{ echo "FAIL: not every flow was tracked"; head -c 900 "$out"; fail=1; }
grep -q '"tcp_flows_evicted":[1-9]' "$out" ||
	{ echo "FAIL: no flow evictions reported"; fail=1; }

# 300,000 connections, each holding an unfinished HTTP request head: every
# parsed stream has state and a buffer (the worst case measured, issue 14:
# fdecode(1) MEMORY says under 80 MiB, fwatch(1) under 96 MiB).
HEADS=${FSC_MEMORY_HEADS:-300000}
python3 "$FSC_SRC/tests/gen/many_flows.py" tcp-heads "$HEADS" >"$out.pcap"
/usr/bin/time -o "$out.time" -f "%M" "$FSC_BIN/fdecode" --summary --json "$out.pcap" >"$out"
rss=$(tail -n 1 "$out.time")
echo "tcp-heads: $HEADS unfinished heads, fdecode peak RSS ${rss} KB (cap $((80 * 1024)) KB)"
[ "$rss" -lt $((80 * 1024)) ] || { echo "FAIL: peak RSS ${rss} KB over the cap"; fail=1; }
grep -q '"tcp_flows_evicted":[1-9]' "$out" ||
	{ echo "FAIL: no flow evictions reported"; fail=1; }
/usr/bin/time -o "$out.time" -f "%M" "$FSC_BIN/fwatch" -n -r "$out.pcap" --dump >"$out"
rss=$(tail -n 1 "$out.time")
echo "tcp-heads: $HEADS unfinished heads, fwatch peak RSS ${rss} KB (cap $((96 * 1024)) KB)"
[ "$rss" -lt $((96 * 1024)) ] || { echo "FAIL: fwatch peak RSS ${rss} KB over the cap"; fail=1; }
grep -q "^  packets      $((2 * HEADS)) " "$out" || { echo "FAIL: fwatch did not count every packet"; fail=1; }
rm -f "$out.pcap"
[ "$fail" -eq 0 ] && echo "4 passed, 0 failed"
exit "$fail"
