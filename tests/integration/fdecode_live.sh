#!/bin/bash
# fdecode as a live tool, as root in a throw-away namespace with a real HTTP
# server (lib/stream_traffic.py) and real curl requests on lo:
#   1. `fdecode -l -i lo`: each request's line is on standard output soon
#      after curl returns (measured; bound 2 s, wide for a loaded machine),
#      not when the input ends; SIGINT ends it with exit 0 and the summary;
#      `-i lo -i any` names each event's interface.
#   2. `tcpdump -U -w - | fdecode -` (a pipe, no -l): the line comes while
#      tcpdump still runs (fdecode flushes when its input goes quiet); SIGINT
#      to both ends fdecode with exit 0, never "damaged".
#   3. A FIFO nobody writes: the first SIGTERM ends fdecode, exit 0.
#   4. `dumpcap -i lo -i any` writes a pcapng of two link types (EN10MB,
#      LINUX_SLL): fdecode reads it whole, names both interfaces, and counts
#      the HTTP requests tshark counts; the same file gzipped reads the same.
#   5. --follow: records appended to a file after fdecode opened it show up;
#      SIGINT ends it with exit 0.
# Skips (77) when not root or without curl, python3, tcpdump or dumpcap.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
LIB=$FSC_SRC/tests/integration/lib
. "$LIB/netns.sh"
NSL_PROG=fdecode_live
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (namespaces, capture)"; exit 77; }
miss=$(nsl_missing curl python3 ip tcpdump dumpcap tshark gzip)
[ -z "$miss" ] || { echo "skip: missing $miss"; exit 77; }
FD="$FSC_BIN/fdecode"
nsl_init fdecode_live
NS="fdl$$"
nsl_ns_add "$NS"
PORT=2368
BASE="http://127.0.0.1:$PORT"
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
T=$NSL_TMP
fail=0
n=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
ok() { n=$((n + 1)); }

nsl_bg "$NS" python3 "$LIB/stream_traffic.py" http-server 127.0.0.1 "$PORT"
nsl_wait_for 10 ip netns exec "$NS" curl -s -o /dev/null "$BASE/ready" ||
	nsl_die "the HTTP server did not start"
C() { ip netns exec "$NS" curl -sS -o /dev/null --http1.1 "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_line FILE TEXT SECONDS: polls every 10 ms; prints the ms it took.
wait_line() {
	local t0 i=0 max=$(($3 * 100))
	t0=$(now_ms)
	while [ $i -lt $max ]; do
		if grep -qF -- "$2" "$1" 2>/dev/null; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		sleep 0.01
		i=$((i + 1))
	done
	return 1
}

# stop PID: SIGINT, then its exit status (at most 5 s).
stop() {
	kill -INT "$1" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	wait "$1"
}

# ---- 1. -i lo -l: a line per request as it happens
ip netns exec "$NS" "$FD" -l -n --no-geoip -i lo "tcp port $PORT" >"$T/live.out" 2>"$T/live.err" &
FPID=$!
nsl_track "$FPID"
sleep 1
for k in 1 2 3; do
	C "$BASE/live/$k"
	if ms=$(wait_line "$T/live.out" "GET /live/$k" 2); then
		echo "request $k on screen $ms ms after curl returned"
		ok
	else
		bad "-i lo -l: /live/$k not shown within 2 s"
	fi
done
stop "$FPID"
rc=$?
ok
[ $rc -eq 0 ] || bad "-i lo: SIGINT exit $rc, want 0: $(cat "$T/live.err")"
grep -q "packets received" "$T/live.err" && ok || bad "-i lo: no kernel counters at the end"

# Several -i at once: each event names its interface.
ip netns exec "$NS" "$FD" -j -l -n --no-geoip -i lo -i any "tcp port $PORT" >"$T/two.out" 2>"$T/two.err" &
FPID=$!
nsl_track "$FPID"
sleep 1
C "$BASE/two/1"
nsl_wait_for 3 sh -c "[ \$(grep -c '\"type\":\"http_request\"' '$T/two.out') -ge 2 ]"
stop "$FPID"
# The same connection seen on two interfaces is two connections (the flow
# key holds the interface): each shows its request, named by interface.
for ifn in lo any; do
	ok
	grep '"type":"http_request"' "$T/two.out" | grep -q "\"iface\":\"$ifn\"" ||
		bad "-i lo -i any: no request named with iface $ifn: $(head -c 300 "$T/two.out")"
done

ip netns exec "$NS" "$FD" -s -n --no-geoip -i lo "tcp port $PORT" >"$T/sum.out" 2>"$T/sum.err" &
FPID=$!
nsl_track "$FPID"
sleep 1
C "$BASE/summary/1"
sleep 0.5
stop "$FPID"
rc=$?
ok
[ $rc -eq 0 ] || bad "-i lo -s: SIGINT exit $rc: $(cat "$T/sum.err")"
grep -q "^Hostnames" "$T/sum.out" && ok || bad "-i lo -s: no summary after SIGINT"

# ---- 2. tcpdump -w - | fdecode -: no -l, output is a file. The pipe is a
# FIFO here only so that both PIDs are known (a Ctrl-C signals both).
mkfifo "$T/pipe"
ip netns exec "$NS" tcpdump -U --immediate-mode -s 65535 -B 131072 -i lo -w - \
	"tcp port $PORT" >"$T/pipe" 2>"$T/td.err" &
TDPID=$!
nsl_track "$TDPID"
"$FD" -n --no-geoip - <"$T/pipe" >"$T/pipe.out" 2>"$T/pipe.err" &
FPID=$!
nsl_track "$FPID"
nsl_wait_for 5 grep -q listening "$T/td.err"
C "$BASE/pipe/1"
if ms=$(wait_line "$T/pipe.out" "GET /pipe/1" 3); then
	echo "pipe: request shown $ms ms after curl returned"
	ok
else
	bad "tcpdump | fdecode: /pipe/1 not shown while the capture runs"
fi
kill -INT "$FPID" "$TDPID" 2>/dev/null
wait "$FPID"
rc=$?
wait "$TDPID"
ok
[ $rc -eq 0 ] || bad "pipe + SIGINT: exit $rc, want 0: $(cat "$T/pipe.err")"
ok
grep -q damaged "$T/pipe.err" && bad "pipe + SIGINT reported damage: $(cat "$T/pipe.err")"

# ---- 3. a FIFO with no writer: the first SIGTERM ends the wait
mkfifo "$T/fifo"
"$FD" -n --no-geoip "$T/fifo" >"$T/fifo.out" 2>"$T/fifo.err" &
FPID=$!
nsl_track "$FPID"
sleep 0.5
kill -TERM "$FPID"
for _ in $(seq 30); do kill -0 "$FPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$FPID" 2>/dev/null; then
	bad "FIFO: fdecode still waiting 3 s after the first SIGTERM"
	kill -KILL "$FPID"
fi
wait "$FPID"
rc=$?
ok
[ $rc -eq 0 ] || bad "FIFO + SIGTERM: exit $rc, want 0: $(cat "$T/fifo.err")"

# ---- 4. two link types in one pcapng (dumpcap -i lo -i any)
ip netns exec "$NS" dumpcap -q -i lo -i any -f "tcp port $PORT" -w "$T/mixed.pcapng" \
	2>"$T/dumpcap.err" &
DPID=$!
nsl_track "$DPID"
nsl_wait_for 5 grep -q "any" "$T/dumpcap.err" || sleep 1
sleep 1
for k in 1 2; do C "$BASE/mixed/$k"; done
sleep 0.5
kill -INT "$DPID"
wait "$DPID"
lts=$(tshark -r "$T/mixed.pcapng" -T fields -e frame.interface_name -e frame.encap_type 2>/dev/null | sort -u | tr '\n' ' ')
echo "dumpcap wrote interfaces and encapsulations: $lts"
# tshark takes the second copy of each segment for a retransmission: count
# each interface's requests on its own.
want=0
for ifn in lo any; do
	tshark -r "$T/mixed.pcapng" -Y "frame.interface_name == \"$ifn\"" -w "$T/only-$ifn.pcapng" 2>/dev/null
	want=$((want + $(tshark -r "$T/only-$ifn.pcapng" -Y http.request 2>/dev/null | wc -l)))
done
"$FD" -j -n --no-geoip "$T/mixed.pcapng" >"$T/mixed.jsonl" 2>"$T/mixed.err"
rc=$?
ok
[ $rc -eq 0 ] || bad "mixed pcapng: exit $rc: $(cat "$T/mixed.err")"
got=$(grep -c '"type":"http_request"' "$T/mixed.jsonl")
ok
[ "$want" -ge 4 ] && [ "$got" -eq "$want" ] ||
	bad "mixed pcapng: $got http requests, tshark counts $want (want >= 4: 2 each interface)"
for ifn in lo any; do
	ok
	grep -q "\"iface\":\"$ifn\"" "$T/mixed.jsonl" || bad "mixed pcapng: no event names iface $ifn"
done
# FSC_SAVE_MIXED=PATH keeps the capture (captures/mixed/lo-any.pcapng came so).
[ -n "${FSC_SAVE_MIXED:-}" ] && cp "$T/mixed.pcapng" "$FSC_SAVE_MIXED"
gzip -c "$T/mixed.pcapng" >"$T/mixed.pcapng.gz"
"$FD" -j -n --no-geoip "$T/mixed.pcapng.gz" >"$T/mixedgz.jsonl" 2>/dev/null
ok
cmp -s "$T/mixed.jsonl" "$T/mixedgz.jsonl" || bad "the gzipped pcapng decodes differently"

# ---- 5. --follow: a capture still being written
REF=$FSC_SRC/captures/stun.pcap
size=$(stat -c %s "$REF")
head -c 24 "$REF" >"$T/grow.pcap"
"$FD" --follow -n --no-geoip "$T/grow.pcap" >"$T/grow.out" 2>"$T/grow.err" &
FPID=$!
nsl_track "$FPID"
sleep 0.3
# Appended in two pieces, the cut inside a record: nothing is lost.
half=$(((size - 24) / 2 + 24))
head -c "$half" "$REF" | tail -c +25 >>"$T/grow.pcap"
sleep 0.3
tail -c +"$((half + 1))" "$REF" >>"$T/grow.pcap"
want=$("$FD" -n --no-geoip "$REF" | wc -l)
nsl_wait_for 3 test "$(wc -l <"$T/grow.out")" -ge "$want"
stop "$FPID"
rc=$?
ok
[ $rc -eq 0 ] || bad "--follow + SIGINT: exit $rc: $(cat "$T/grow.err")"
"$FD" -n --no-geoip "$REF" >"$T/grow.want"
ok
cmp -s "$T/grow.want" "$T/grow.out" || bad "--follow: output differs from reading the whole file: $(diff "$T/grow.want" "$T/grow.out" | head -5)"

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
