#!/bin/bash
# fdecode's outputs while the input is still open (issue 16 item 4), fed
# through a FIFO that this script holds open, so the input has not ended:
#   1. --json to a pipe: the reader at the pipe's end gets the first event's
#      line while the input is still open (a script such as jq or vector
#      works in real time);
#   2. -w FILE, then mv FILE FILE.1 and SIGHUP: fdecode opens FILE again, so
#      the frames before the signal are in FILE.1 and those after it in a new
#      FILE, each a capture fdecode reads whole; exit 0 at the input's end;
#   3. --access-log FILE, then mv and SIGHUP: the lines before the signal
#      stay in the old file, the rest go to a new FILE, none lost or doubled;
#   4. the same with fwatch --headless --access-log (the same writer,
#      tools/common/logfile.c): SIGHUP reopens rather than ends it.
# No root, no network: a sample capture cut at its record boundaries.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
FD="$FSC_BIN/fdecode"
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_extra_cleanup() { exec 3>&- 4>&- 5>&- 2>/dev/null; }
scratch_init T
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# The capture's pieces: the global header with the first record, then the
# second record. Records: 16-byte header, incl_len little-endian at +8.
cap="$FSC_SRC/captures/stun.pcap"
u32le() { od -A n -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
len1=$((16 + $(u32le "$cap" 32)))
off2=$((24 + len1))
len2=$((16 + $(u32le "$cap" $((off2 + 8)))))
head -c $((24 + len1)) "$cap" >"$T/part1"
tail -c +$((off2 + 1)) "$cap" | head -c "$len2" >"$T/part2"

# wait_for SECONDS CMD...: polls every 50 ms.
wait_for() {
	local i=0 max=$(($1 * 20))
	shift
	while [ $i -lt $max ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

# ---- 1. JSON lines to a pipe, while the input is open
mkfifo "$T/in1"
"$FD" -n --no-geoip --json - <"$T/in1" | {
	IFS= read -r line && printf '%s\n' "$line" >"$T/first"
	cat >/dev/null
} &
PIDS="$PIDS $!"
exec 3>"$T/in1"
cat "$T/part1" >&3
if wait_for 20 lines "$T/first" 1; then
	grep -q '"type":"stun".*"class":"request"' "$T/first" ||
		bad "pipe: the first line is not the first event: $(cat "$T/first")"
else
	bad "pipe: no line reached the reader while the input was open"
fi
exec 3>&-

# ---- 2. -w FILE rotated on SIGHUP
mkfifo "$T/in2"
"$FD" -n --no-geoip -w "$T/out.pcapng" - <"$T/in2" >"$T/events" 2>"$T/err" &
fpid=$!
PIDS="$PIDS $fpid"
exec 4>"$T/in2"
cat "$T/part1" >&4
wait_for 20 lines "$T/events" 1 || bad "-w: the first event never came"
# its frame written (the section header alone is 28 bytes)
wait_for 20 test "$(stat -c %s "$T/out.pcapng" 2>/dev/null || echo 0)" -gt 28 ||
	bad "-w: the first frame never reached the file"
mv "$T/out.pcapng" "$T/out.1.pcapng"
kill -HUP "$fpid"
wait_for 20 test -f "$T/out.pcapng" || bad "-w: SIGHUP did not make a new file"
cat "$T/part2" >&4
wait_for 20 lines "$T/events" 2 || bad "-w: the second event never came"
exec 4>&-
wait "$fpid"
rc=$?
[ "$rc" -eq 0 ] || bad "-w: exit $rc after the input ended: $(cat "$T/err")"
old=$("$FD" -n --no-geoip "$T/out.1.pcapng" 2>&1)
new=$("$FD" -n --no-geoip "$T/out.pcapng" 2>&1)
echo "before SIGHUP: $old"
echo "after SIGHUP:  $new"
[ "$(printf '%s\n' "$old" | grep -c 'stun binding request')" -eq 1 ] ||
	bad "-w: the rotated file does not hold the first frame alone"
[ "$(printf '%s\n' "$new" | grep -c 'stun binding success')" -eq 1 ] &&
	! printf '%s\n' "$new" | grep -q 'request' ||
	bad "-w: the new file does not hold the second frame alone"

# ---- 3. and 4. --access-log FILE rotated on SIGHUP, by fdecode and by
# fwatch --headless (the same writer): rotated NAME LOG PROGRAM ARGS... runs
# the program on a FIFO with --access-log LOG, feeds the first part, mv and
# SIGHUP, then the rest; the program must go on and write the new file.
rotated() {
	local name=$1 log=$2
	shift 2
	rm -f "$T/in"
	mkfifo "$T/in"
	"$@" --access-log "$log" <"$T/in" >/dev/null 2>"$T/err" &
	fpid=$!
	PIDS="$PIDS $fpid"
	exec 5>"$T/in"
	cat "$T/h1.pcap" >&5
	wait_for 20 lines "$log" 1 || bad "$name: no access log line while the input was open"
	mv "$log" "$log.1"
	kill -HUP "$fpid"
	wait_for 20 test -f "$log" || bad "$name: SIGHUP did not make a new access log"
	kill -0 "$fpid" 2>/dev/null || bad "$name: SIGHUP ended it"
	tail -c +25 "$T/h2.pcap" >&5
	exec 5>&-
	wait "$fpid"
	rc=$?
	[ "$rc" -eq 0 ] || bad "$name access log: exit $rc: $(cat "$T/err")"
	n1=$(wc -l <"$log.1")
	n2=$(wc -l <"$log")
	echo "$name access log: $n1 lines before SIGHUP, $n2 after, $(wc -l <"$T/log.whole") in one run"
	[ "$n2" -ge 1 ] || bad "$name access log: the new file got no line"
	sort "$log.1" "$log" | cmp -s - "$T/log.whole" ||
		bad "$name access log: the two files are not fdecode's one run's lines"
}
http="$FSC_SRC/captures/streams/http-xff.pcap"
if command -v editcap >/dev/null; then
	editcap -F pcap -r "$http" "$T/h1.pcap" 1-60
	editcap -F pcap -r "$http" "$T/h2.pcap" 61-1000000
	"$FD" -n --no-geoip -q --access-log - "$http" | sort >"$T/log.whole"
	rotated fdecode "$T/log" "$FD" -n --no-geoip -q -l -
	rotated fwatch "$T/wlog" "$FSC_BIN/fwatch" -n --no-geoip --headless --max -r /dev/stdin
else
	echo "SKIP: access log rotation (editcap, from tshark's package, missing)"
fi

[ "$fail" -eq 0 ] && echo "fdecode_outputs: pipe reader live, -w and fdecode's and fwatch's access logs rotated on SIGHUP"
exit "$fail"
