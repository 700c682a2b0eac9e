#!/bin/sh
# The --max-* limits (issue 14): a value inside the accepted range costs
# nothing up front (every table at its largest decodes a small capture in a
# few MiB, the same output as the defaults: measured as peak RSS, not time),
# and a value beyond it is a usage error (exit 1) naming the option and its
# range, in fdecode and fwatch alike. The memory check skips under the
# sanitizers (their shadow memory is not ours).
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
fail=0
n=0
CAP=captures/streams/http-xff.pcap
RSS_KB=$((32 * 1024))
measure=1
[ -x /usr/bin/time ] || measure=0
[ "${FSC_SANITIZED:-0}" = 1 ] && measure=0
cd "$FSC_SRC" || exit 1

bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

# every table at its largest: PROG ARGS... (the capture last)
largest() {
	prog=$1
	shift
	n=$((n + 1))
	if [ "$measure" = 1 ]; then
		/usr/bin/time -o "$D/time" -f "%M" "$FSC_BIN/$prog" "$@" >"$D/big" 2>"$D/err"
	else
		"$FSC_BIN/$prog" "$@" >"$D/big" 2>"$D/err"
	fi
	rc=$?
	[ "$rc" -eq 0 ] || { bad "$prog at the largest limits: exit $rc: $(cat "$D/err")"; return; }
	# (the dump names its limits: that line may differ)
	sed -i '/at most [0-9]/d' "$D/big" "$D/small"
	cmp -s "$D/big" "$D/small" || bad "$prog at the largest limits: output differs from the defaults"
	if [ "$measure" = 1 ]; then
		rss=$(tail -n 1 "$D/time")
		echo "$prog, every table at its largest: peak RSS $rss KB"
		[ "$rss" -lt "$RSS_KB" ] || bad "$prog at the largest limits: peak RSS $rss KB"
	fi
}

BIG="--max-sessions 4194304 --max-peers 4194304 --max-flows 4194304 --max-streams 1048576
	--flow-memory 1099511627776"
"$FSC_BIN/fdecode" -n --no-geoip "$CAP" >"$D/small" 2>&1
# shellcheck disable=SC2086
largest fdecode -n --no-geoip $BIG --flow-buffer 16777216 "$CAP"
"$FSC_BIN/fwatch" -n --no-geoip -r "$CAP" --dump --details >"$D/small" 2>&1
# fwatch's own model at its largest too (not under the sanitizers: their
# allocator maps shadow for every byte asked, 20 s for these gigabytes)
MODEL_BIG="--max-requests 16777216 --max-clients 16777216 --max-hosts 16777216
	--detail-memory 4294967296"
[ "${FSC_SANITIZED:-0}" = 1 ] && MODEL_BIG=""
# shellcheck disable=SC2086
largest fwatch -n --no-geoip $BIG $MODEL_BIG -r "$CAP" --dump --details

# over the range: PROG OPTION VALUE RANGE
over() {
	n=$((n + 1))
	extra=""
	[ "$1" = fwatch ] && extra="--dump -r"
	# shellcheck disable=SC2086
	"$FSC_BIN/$1" "$2" "$3" $extra "$CAP" >"$D/out" 2>"$D/err"
	rc=$?
	want="$1: $2: '$3': out of range ($4)"
	[ "$rc" -eq 1 ] && [ "$(cat "$D/err")" = "$want" ] ||
		bad "$1 $2 $3: exit $rc, '$(cat "$D/err")', want exit 1, '$want'"
}
for prog in fdecode fwatch; do
	over $prog --max-sessions 4194305 "1 to 4194304"
	over $prog --max-sessions 67108864 "1 to 4194304"
	over $prog --max-peers 4194305 "1 to 4194304"
	over $prog --max-flows 4194305 "1 to 4194304"
	over $prog --max-streams 1048577 "1 to 1048576"
	over $prog --max-streams 16777216 "1 to 1048576"
	over $prog --max-streams 0 "1 to 1048576"
done
over fdecode --flow-buffer 16777217 "1 to 16777216"
for prog in fdecode fwatch; do
	over $prog --flow-memory 1099511627777 "1 to 1099511627776"
done
over fwatch --max-requests 16777217 "1 to 16777216"
over fwatch --max-clients 16777217 "1 to 16777216"
over fwatch --max-hosts 0 "1 to 16777216"

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
