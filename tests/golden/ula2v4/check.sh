# check.sh - sourced by tests/golden/ula2v4_*.sh.
#   check NAME [--stdin FILE] ARG...   runs ula2v4 ARG... and compares its
#   standard output, standard error and exit code with NAME.out, NAME.err and
#   NAME.rc in this folder (always with --no-geoip). FSC_GOLDEN_UPDATE=1
#   rewrites them instead (then read the diff before committing).
set -u
: "${FSC_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FSC_BIN:=$FSC_SRC/build/bin}"
GOLD="$FSC_SRC/tests/golden/ula2v4"
ULA2V4="$FSC_BIN/ula2v4"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
cases=0

[ -x "$ULA2V4" ] || { echo "no $ULA2V4: build first" >&2; exit 1; }

check() {
	name=$1
	shift
	input=/dev/null
	if [ "${1:-}" = "--stdin" ]; then
		input=$2
		shift 2
	fi
	cases=$((cases + 1))
	rc=0
	# --no-geoip: a machine with GeoLite2 files in /usr/share/GeoIP must
	# not change the expected output (ula2v4_geoip.sh covers GeoIP).
	(cd "$GOLD" && "$ULA2V4" --no-geoip "$@") <"$input" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
	echo "$rc" >"$TMP/$name.rc"
	for ext in out err rc; do
		if [ "${FSC_GOLDEN_UPDATE:-0}" = 1 ]; then
			cp "$TMP/$name.$ext" "$GOLD/$name.$ext"
		elif ! diff -u "$GOLD/$name.$ext" "$TMP/$name.$ext"; then
			echo "FAIL: $name.$ext (ula2v4 $*)" >&2
			failures=$((failures + 1))
		fi
	done
}

finish() {
	echo "$((cases - failures)) passed, $failures failed"
	[ "$failures" -eq 0 ]
}
