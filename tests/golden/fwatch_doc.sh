#!/bin/sh
# fwatch's documentation: the man page renders without groff warnings, every
# long option --help lists is in doc/fwatch.1 and the other way round, every
# key and filter field the screen knows is documented in both, and --help
# fits an 80-column terminal.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
MAN="$FSC_SRC/doc/fwatch.1"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
if command -v groff >/dev/null 2>&1 && [ -n "$(groff -man -ww -z "$MAN" 2>&1)" ]; then
	groff -man -ww -z "$MAN"
	echo "FAIL: groff warns about doc/fwatch.1"
	fail=$((fail + 1))
fi
"$FSC_BIN/fwatch" --help >"$TMP/help" || { echo "FAIL: --help exit status"; exit 1; }
grep -o -- '--[a-z][a-z-]*' "$TMP/help" | sort -u >"$TMP/help.opts"
sed 's/\\-/-/g' "$MAN" >"$TMP/man"
grep -o -- '--[a-z][a-z-]*' "$TMP/man" | sort -u >"$TMP/man.opts"
if ! diff -u "$TMP/help.opts" "$TMP/man.opts"; then
	echo "FAIL: options in --help and doc/fwatch.1 differ"
	fail=$((fail + 1))
fi
for word in client: host: path: method: rule: name: status: asn: country: PgUp PgDn \
	Tab Enter "s cycles" "p pauses" "? help"; do
	if ! grep -qF -- "$word" "$TMP/help"; then
		echo "FAIL: fwatch --help does not mention '$word'"
		fail=$((fail + 1))
	fi
done
for word in client host path method rule name status asn country PgUp PgDn Tab Enter \
	Ctrl-L NO_COLOR "== Requests" "== Detail" TZ=UTC; do
	if ! grep -qF -- "$word" "$TMP/man"; then
		echo "FAIL: doc/fwatch.1 does not mention '$word'"
		fail=$((fail + 1))
	fi
done
if awk 'length > 80 { bad = 1 } END { exit !bad }' "$TMP/help"; then
	echo "FAIL: --help has lines over 80 columns"
	fail=$((fail + 1))
fi
echo "$fail failed"
[ "$fail" -eq 0 ]
