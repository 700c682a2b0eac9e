#!/bin/sh
# tcpdump's habits in fdecode, on the sample captures: a filter expression
# after the files, -s N as snap length (-s alone: --summary), -x/-X/-A with
# escaping, -e, -w (the written pcapng decodes to the same events, and tshark
# reads it), gzip input, several files merged by timestamp, one-line hints
# for tcpdump options fdecode does not have.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
FD="$FSC_BIN/fdecode"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
cd "$FSC_SRC" || exit 1
D=captures/disco.pcap
S=captures/stun.pcap
fail=0
n=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { n=$((n + 1)); }
F() { "$FD" -n --no-geoip "$@"; }

# ---- a filter after the files
F -f 'udp port 3478' $D >"$T/f.txt"
F $D udp port 3478 >"$T/pos.txt"
F $D >"$T/all.txt"
check
[ -s "$T/f.txt" ] && cmp -s "$T/f.txt" "$T/pos.txt" ||
	bad "'fdecode FILE udp port 3478' differs from -f: $(diff "$T/f.txt" "$T/pos.txt" | head -3)"
check
cmp -s "$T/f.txt" "$T/all.txt" && bad "the positional filter filtered nothing"
check
F $D $S udp port 3478 >"$T/two.txt" && grep -q "captures/stun.pcap" "$T/two.txt" ||
	bad "two files then a filter: the second file was not read"
check
F -f udp $D tcp >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "a filter was given with -f" "$T/err" || bad "-f and a positional filter: not a usage error"
check
F nosuch-file udp >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "'nosuch-file': No such file" "$T/err" || bad "a missing first file: $(cat "$T/err")"
check
F $D 'udp port' >/dev/null 2>"$T/err"
[ $? -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "bad filter 'udp port'" "$T/err" ||
	bad "a bad positional filter: want one line, exit 1: $(cat "$T/err")"
check
F -f 'udp port' $D $S >/dev/null 2>"$T/err"
[ $? -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] || bad "a bad filter with two files: not once, exit 1: $(cat "$T/err")"
check
F --json - 'udp port' <$D >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -s "$T/out" ] ||
	bad "a bad filter on standard input with --json: not once, exit 1: $(cat "$T/err")"

# ---- -s: a number is the snap length, alone it is --summary
F $D >"$T/a"
for s in "-s 0" "-s65535" "-s 96"; do
	check
	# shellcheck disable=SC2086 # the option and its number
	F $s $D >"$T/b" 2>&1 && cmp -s "$T/a" "$T/b" || bad "'$s' changed a file's output"
done
check
F -s $D | grep -q "^Hostnames" || bad "-s alone is not --summary"
check
F -s 999999 $D >/dev/null 2>&1
[ $? -eq 1 ] || bad "-s 999999: not a usage error"

# ---- -x, -X, -A, -e
F -c 2 -x $D >"$T/x"
check
[ "$(grep -c '^	0x0000:  02fc 0000 00fe 02fc 0000 0001 0800 4500$' "$T/x")" -eq 1 ] ||
	bad "-x: first frame's first hex line missing: $(head -3 "$T/x")"
F -c 2 -X $D >"$T/X"
check
grep -q '^	0x0040:  0008 7461 696c 6e6f 6465 8028 0004 3838  \.\.tailnode\.(\.\.88$' "$T/X" ||
	bad "-X: hex and ASCII line missing"
F -A captures/streams/http-xff.pcap >"$T/A"
check
grep -q 'GET ' "$T/A" && grep -q '^	0x0000:  ' "$T/A" || bad "-A: no ASCII of the HTTP request"
check
LC_ALL=C grep -q '[^[:print:]	]' "$T/A" && bad "-A let a non-printable byte through"
F -j -x $D >"$T/jx"
check
F -j $D | cmp -s - "$T/jx" || bad "-x changed JSON output (text only)"
F -e -c 1 $D >"$T/e"
check
grep -q " 02:fc:00:00:00:01 > 02:fc:00:00:00:fe, 198.18.0.1:41641 > " "$T/e" || bad "-e: $(cat "$T/e")"

# ---- -w: the frames of shown events, as pcapng
F -w "$T/w.pcapng" $D udp port 41641 >"$T/w.txt"
F "$T/w.pcapng" >"$T/w2.txt"
check
[ -s "$T/w.txt" ] && cmp -s "$T/w.txt" "$T/w2.txt" ||
	bad "-w: the written capture decodes differently: $(diff "$T/w.txt" "$T/w2.txt" | head -4)"
if command -v tshark >/dev/null 2>&1; then
	check
	[ "$(tshark -r "$T/w.pcapng" 2>/dev/null | wc -l)" -eq "$(wc -l <"$T/w.txt")" ] ||
		bad "-w: tshark does not read one frame an event"
fi
# -w from files: whole TCP connections, so the written capture decodes to
# the same HTTP events; frames with no event (ARP, ICMPv6) stay out.
F -w "$T/h.pcapng" captures/streams/http-xff.pcap >"$T/h.txt"
F "$T/h.pcapng" >"$T/h2.txt"
check
grep -q "http end" "$T/h.txt" && cmp -s "$T/h.txt" "$T/h2.txt" ||
	bad "-w: an HTTP capture written does not decode to the same events: $(diff "$T/h.txt" "$T/h2.txt" | head -4)"
F -w "$T/wg.pcapng" captures/wg-tunnel.pcap >"$T/wg.txt"
F "$T/wg.pcapng" >"$T/wg2.txt"
check
cmp -s "$T/wg.txt" "$T/wg2.txt" && [ "$(F -v "$T/wg.pcapng" | wc -l)" -lt "$(F -v captures/wg-tunnel.pcap | wc -l)" ] ||
	bad "-w: the WireGuard capture written differs, or kept frames with no event"
# From standard input (read once): each event's own frame only.
F -w "$T/s.pcapng" - <captures/streams/http-xff.pcap >/dev/null
check
[ "$(F -v "$T/s.pcapng" | wc -l)" -lt "$(F -v "$T/h.pcapng" | wc -l)" ] ||
	bad "-w from standard input: not the events' frames only"

# -w -: the capture on standard output, the text on standard error
F -w - $D udp port 41641 2>"$T/wdash.txt" | F - >"$T/wdash2.txt" 2>/dev/null
check
cmp -s "$T/w.txt" "$T/wdash.txt" && cmp -s "$T/w.txt" "$T/wdash2.txt" ||
	bad "-w -: capture on stdout and text on stderr do not match -w FILE"
check
F -w /nonexistent/dir/x.pcapng $D >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "^fdecode: -w: '/nonexistent/dir/x.pcapng': No such file" "$T/err" ||
	bad "-w to a bad path: $(cat "$T/err")"

# ---- gzip, and files merged by timestamp
gzip -c $S >"$T/s.pcap.gz"
F -j $S | sed 's/"file":"[^"]*",//' >"$T/plain"
F -j "$T/s.pcap.gz" >"$T/gz"
check
cmp -s "$T/plain" "$T/gz" || bad "gzip: differs from the plain file"
gzip -c $D | F -j - >"$T/gzin"
check
F -j $D | cmp -s - "$T/gzin" || bad "gzip on standard input differs"
F -j $S $D >"$T/m"
check
awk -F'"ts":' '{ split($2, a, ","); if (a[1] + 0 < last) bad = 1; last = a[1] + 0 }
	END { exit bad }' "$T/m" || bad "merged files: timestamps go backwards"
check
grep -q '"file":"captures/disco.pcap"' "$T/m" && grep -q '"file":"captures/stun.pcap"' "$T/m" ||
	bad "merged files: events do not name their file"

# ---- -D lists interfaces as tcpdump -D ("1.lo [Up, Running, Loopback]")
check
F -D | grep -q '^[0-9][0-9]*\.lo .*Loopback' || bad "-D does not list lo"

# ---- one-line hints for tcpdump options
for o in -S -F -C -y -K; do
	check
	F $o x $D >/dev/null 2>"$T/err"
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "(tcpdump) is not supported: " "$T/err" ||
		bad "$o: want a one-line hint, exit 1: rc $rc $(cat "$T/err")"
done
check
F --no-such-option $D >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "unknown option '--no-such-option'" "$T/err" || bad "unknown long option: $(cat "$T/err")"

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
