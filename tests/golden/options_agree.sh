#!/bin/sh
# fdecode and fwatch share their names, client-rule and limit options
# (tools/common/decopts.h, issue 12 item 5): each takes every one of them,
# and the same bad value gets the same one line from both (the program's
# name aside), naming the option, the value and its range, exit 1. The
# option names are read from decopts.h, so a new shared option is checked
# without touching this file.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
n=0
opts=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", required_argument.*/\1/p' \
	"$FSC_SRC/tools/common/decopts.h")
[ -n "$opts" ] || { echo "no options read from decopts.h"; exit 1; }

# run PROG ARGS...: stderr into $out/PROG, the exit status into $out/PROG.rc
run() {
	prog=$1
	shift
	extra=""
	[ "$prog" = fwatch ] && extra="--dump"
	# shellcheck disable=SC2086
	"$FSC_BIN/$prog" "$@" -r "$out/none.pcap" $extra >/dev/null 2>"$out/$prog" </dev/null
	echo $? >"$out/$prog.rc"
}

for opt in $opts; do
	case "$opt" in dns | geoip-db) continue ;; esac # any text is a value
	for value in abc -1 0x10 1.5 "" 99999999999999999999 18446744073709551616 " 7"; do
		n=$((n + 1))
		run fdecode "--$opt" "$value"
		run fwatch "--$opt" "$value"
		a=$(sed 's/^fdecode: //' "$out/fdecode")
		b=$(sed 's/^fwatch: //' "$out/fwatch")
		want="--$opt: '$value': "
		if [ "$a" != "$b" ] || [ "$(cat "$out/fdecode.rc")" != 1 ] ||
			[ "$(cat "$out/fwatch.rc")" != 1 ] || [ "$(wc -l <"$out/fdecode")" != 1 ] ||
			[ "${a#"$want"}" = "$a" ] || ! printf '%s' "$a" | grep -q ' (.* to .*)$'; then
			echo "FAIL: --$opt '$value':"
			echo "  fdecode (exit $(cat "$out/fdecode.rc")): $(cat "$out/fdecode")"
			echo "  fwatch (exit $(cat "$out/fwatch.rc")): $(cat "$out/fwatch")"
			fail=$((fail + 1))
		fi
	done
	# Both document it.
	n=$((n + 1))
	for prog in fdecode fwatch; do
		"$FSC_BIN/$prog" --help | grep -q -- "--$opt" ||
			{ echo "FAIL: $prog --help lacks --$opt"; fail=$((fail + 1)); }
	done
done
# The one wording, whole, for the example in both man pages.
n=$((n + 1))
run fdecode --max-flows 0
[ "$(cat "$out/fdecode")" = "fdecode: --max-flows: '0': out of range (1 to 4194304)" ] ||
	{ echo "FAIL: fdecode --max-flows 0: $(cat "$out/fdecode")"; fail=$((fail + 1)); }
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
