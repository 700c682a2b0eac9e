#!/bin/sh
# fdoctor's documentation: the man page renders without groff warnings, every
# long option of `fdoctor --help` and `fdoctor lint --help` is in
# doc/fdoctor.1 and the other way round, every verdict is in both, and
# --help fits an 80-column terminal.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
MAN="$FSC_SRC/doc/fdoctor.1"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
if command -v groff >/dev/null 2>&1 && [ -n "$(groff -man -ww -z "$MAN" 2>&1)" ]; then
	groff -man -ww -z "$MAN"
	echo "FAIL: groff warns about doc/fdoctor.1"
	fail=$((fail + 1))
fi
{ "$FSC_BIN/fdoctor" --help && "$FSC_BIN/fdoctor" lint --help; } >"$TMP/help" ||
	{ echo "FAIL: --help exit status"; exit 1; }
grep -o -- '--[a-z][a-z-]*' "$TMP/help" | sort -u >"$TMP/help.opts"
sed 's/\\-/-/g' "$MAN" >"$TMP/man"
grep -o -- '--[a-z][a-z-]*' "$TMP/man" | sort -u >"$TMP/man.opts"
if ! diff -u "$TMP/help.opts" "$TMP/man.opts"; then
	echo "FAIL: options in --help and doc/fdoctor.1 differ"
	fail=$((fail + 1))
fi
for v in ok dns edge-unreachable edge-closes-after-hello node-unreachable \
	node-refuses-ingress tls-failure-at-node backend-error backend-timeout; do
	grep -q -- "$v" "$TMP/help" || { echo "FAIL: --help lacks verdict $v"; fail=$((fail + 1)); }
	grep -q -- "$v" "$TMP/man" || { echo "FAIL: doc/fdoctor.1 lacks verdict $v"; fail=$((fail + 1)); }
done
if awk 'length > 80 { bad = 1 } END { exit !bad }' "$TMP/help"; then
	echo "FAIL: --help has lines over 80 columns"
	fail=$((fail + 1))
fi
[ $fail -eq 0 ] && echo "ok: fdoctor --help and doc/fdoctor.1 agree"
exit $fail
