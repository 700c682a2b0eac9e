#!/bin/sh
# The man page renders without groff warnings, and every option that
# --help lists is documented in it (and the other way round).
. "$(dirname "$0")/ula2v4/check.sh"
MAN="$FSC_SRC/doc/ula2v4.1"

cases=$((cases + 1))
if command -v groff >/dev/null 2>&1; then
	if [ -n "$(groff -man -ww -z "$MAN" 2>&1)" ]; then
		groff -man -ww -z "$MAN"
		echo "FAIL: groff warns about doc/ula2v4.1" >&2
		failures=$((failures + 1))
	fi
fi
"$ULA2V4" --help >"$TMP/help" || { echo "FAIL: --help exit status" >&2; exit 1; }
grep -o -- '--[a-z][a-z-]*' "$TMP/help" | sort -u >"$TMP/help.opts"
# In troff source a dash is written \-; undo that before looking.
sed 's/\\-/-/g' "$MAN" | grep -o -- '--[a-z][a-z-]*' | sort -u >"$TMP/man.opts"
cases=$((cases + 1))
if ! diff -u "$TMP/help.opts" "$TMP/man.opts"; then
	echo "FAIL: options in --help and doc/ula2v4.1 differ" >&2
	failures=$((failures + 1))
fi
finish
