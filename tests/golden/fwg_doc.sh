#!/bin/sh
# fwg's man page renders without groff warnings, and every option that
# `fwg up --help` and `fwg show --help` list is documented in it (and the
# other way round).
FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
MAN="$FSC_SRC/doc/fwg.1"
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
fail=0
if command -v groff >/dev/null 2>&1 && [ -n "$(groff -man -ww -z "$MAN" 2>&1)" ]; then
	groff -man -ww -z "$MAN"
	echo "FAIL: groff warns about doc/fwg.1" >&2
	fail=1
fi
{ "$FSC_BIN/fwg" up --help && "$FSC_BIN/fwg" show --help && "$FSC_BIN/fwg" --help; } \
	>"$TMP/help" || { echo "FAIL: fwg --help exit status" >&2; exit 1; }
grep -o -- '--[a-z][a-z-]*' "$TMP/help" | grep -v -- '--help' | sort -u >"$TMP/help.opts"
# (editcap's --inject-secrets is named in the page, not an fwg option.)
sed 's/\\-/-/g' "$MAN" | grep -o -- '--[a-z][a-z-]*' | grep -v -- '--inject-secrets' |
	sort -u >"$TMP/man.opts"
if ! diff -u "$TMP/help.opts" "$TMP/man.opts"; then
	echo "FAIL: options in fwg --help and doc/fwg.1 differ" >&2
	fail=1
fi
# The JSON keys of `fwg show json` are all in the man page.
for k in $(grep -o 'C([a-z_0-9]*)' "$FSC_SRC/tools/fwg/show.c" | sed 's/C(//; s/)//'); do
	grep -q "^\.BR* $k" "$MAN" || { echo "FAIL: counter $k not in doc/fwg.1" >&2; fail=1; }
done
[ $fail -eq 0 ] && echo "fwg_doc: PASS"
exit $fail
