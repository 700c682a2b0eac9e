#!/bin/sh
# Golden tests: every capture listed in tests/golden/fdecode/CASES decoded as
# text, JSON lines and summary, compared with the expected files beside it.
# FSC_UPDATE_GOLDEN=1 rewrites the expected files (review the diff!).
# Always -n --no-geoip: expected output must not depend on the DNS or on
# databases installed on the machine (fdecode_geoip.sh and fdecode_dns.sh
# cover names).
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
dir="$FSC_SRC/tests/golden/fdecode"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
fail=0
n=0
# CASES: name|capture path relative to the source|extra fdecode flags
while IFS='|' read -r name capture flags; do
	case "$name" in '' | \#*) continue ;; esac
	for mode in text json summary; do
		case $mode in
		text) args="" ext=txt ;;
		json) args="--json" ext=jsonl ;;
		summary) args="--summary" ext=summary ;;
		esac
		(cd "$FSC_SRC" && eval "\"\$FSC_BIN/fdecode\" -n --no-geoip $args $flags \"\$capture\"") \
			>"$out/$name.$ext" 2>"$out/$name.$ext.err"
		echo "exit $?" >>"$out/$name.$ext.err"
		cat "$out/$name.$ext.err" >>"$out/$name.$ext"
		n=$((n + 1))
		if [ "${FSC_UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$out/$name.$ext" "$dir/$name.$ext"
		elif ! diff -u "$dir/$name.$ext" "$out/$name.$ext"; then
			echo "FAIL: $name ($mode)"
			fail=$((fail + 1))
		fi
	done
done <"$dir/CASES"
[ "$n" -gt 0 ] || { echo "no cases read from $dir/CASES"; exit 1; }
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
