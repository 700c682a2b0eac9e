#!/bin/sh
# Golden tests for fwatch's machine mode: `fwatch -r CAPTURE --dump` on the
# captures listed in tests/golden/fwatch/CASES, compared with the expected
# files beside it (stdout, stderr and the exit status). Then usage errors,
# each with its exit status and message. FSC_UPDATE_GOLDEN=1 rewrites the
# expected files (review the diff!). Always -n --no-geoip: the output must
# not depend on the DNS or on databases installed here (fwatch_geoip.sh
# covers countries and networks).
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
dir="$FSC_SRC/tests/golden/fwatch"
F="$FSC_BIN/fwatch"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB NO_COLOR
fail=0
n=0
while IFS='|' read -r name capture flags; do
	case "$name" in '' | \#*) continue ;; esac
	(cd "$FSC_SRC" && eval "\"\$F\" -n --no-geoip -r \"\$capture\" $flags") \
		>"$out/$name.dump" 2>"$out/$name.err"
	echo "exit $?" >>"$out/$name.err"
	cat "$out/$name.err" >>"$out/$name.dump"
	n=$((n + 1))
	if [ "${FSC_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$out/$name.dump" "$dir/$name.dump"
	elif ! diff -u "$dir/$name.dump" "$out/$name.dump"; then
		echo "FAIL: $name (fwatch -r $capture $flags)"
		fail=$((fail + 1))
	fi
done <"$dir/CASES"
[ "$n" -gt 0 ] || { echo "no cases read from $dir/CASES"; exit 1; }

# usage WANT_RC WANT_TEXT ARGS...: a usage error, its exit status and a
# phrase of its message.
usage() {
	want=$1 text=$2
	shift 2
	n=$((n + 1))
	"$F" "$@" >"$out/u.out" 2>"$out/u.err" </dev/null
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -q -- "$text" "$out/u.err" "$out/u.out"; then
		echo "FAIL: fwatch $* -> exit $rc (want $want, '$text'):"
		cat "$out/u.err"
		fail=$((fail + 1))
	fi
}
usage 1 "needs a terminal" -r "$FSC_SRC/captures/wg-tunnel.pcap"
usage 1 "are for replays" --speed 2 --dump 1 -i lo
usage 1 "fwatch: --speed: 'fast': not a number (0 to 1000000)" -r x --speed fast --dump
usage 1 "exclude each other" -r x -i lo --dump
usage 1 "unknown field" --match colour:red --dump -r x
usage 1 "goes with --dump" --details -r x
usage 1 "fwatch: --dump: '0': out of range (1 to 31536000)" --dump 0 -r x
usage 1 "unexpected argument" --dump -r x extra
usage 1 "Try 'fwatch --help'" --no-such-option
usage 1 "fwatch: --view: '9': not a view (requests" --view 9 --dump -r x
usage 1 "fwatch: --dns-timeout: '0': out of range (1 to 600000)" --dns-timeout 0 --dump -r x
# Options that cannot both hold are refused, never the last one silently
# taken (issue 15 item 6).
# Several -r are merged by time; --clock-offset names one of them.
usage 1 "fwatch: --clock-offset: 'c.pcap': not one of the input files" -r a.pcap -r b.pcap --clock-offset c.pcap=1 --dump
usage 1 "fwatch: --clock-offset: 'a.pcap=soon': want FILE=SECONDS" -r a.pcap --clock-offset a.pcap=soon --dump
usage 1 "fwatch: --wg-keylog: '/nonexistent/k': No such file" -r "$FSC_SRC/captures/wg-tunnel.pcap" --wg-keylog /nonexistent/k --dump
usage 1 "fwatch: --speed '2' and --max exclude each other" -r x --speed 2 --max --dump
usage 1 "fwatch: --max and --speed '2' exclude each other" -r x --max --speed 2 --dump
usage 1 "fwatch: --speed given twice ('1', '2')" -r x --speed 1 --speed 2 --dump
usage 1 "fwatch: -f given twice ('udp', 'tcp')" -r x -f udp -f tcp --dump
usage 1 "fwatch: --match given twice ('a', 'b')" -r x -m a -m b --dump
usage 1 "fwatch: --match: 'client:10.0.0.0/40': a network is ADDR/LEN with LEN 0 to 32" -r x -m client:10.0.0.0/40 --dump
usage 1 "exclude each other" --headless --metrics :0 --dump -r x
usage 1 "goes with --metrics" --headless -r x
usage 1 "not ADDR:PORT" --headless --metrics 9477 -r "$FSC_SRC/captures/wg-tunnel.pcap"
usage 1 "fwatch: --metrics: '127.0.0.1:99999': port '99999': out of range (0 to 65535)" --headless --metrics 127.0.0.1:99999 -r "$FSC_SRC/captures/wg-tunnel.pcap"
usage 0 "usage: fwatch" --help
usage 0 "fwatch " --version

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
