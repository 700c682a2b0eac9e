#!/bin/sh
# The man page renders without groff warnings, every long option that
# --help lists is documented in it (and the other way round), and every
# JSON key an *_info object can hold is named in both.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
MAN="$FSC_SRC/doc/fdecode.1"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
if command -v groff >/dev/null 2>&1 && [ -n "$(groff -man -ww -z "$MAN" 2>&1)" ]; then
	groff -man -ww -z "$MAN"
	echo "FAIL: groff warns about doc/fdecode.1"
	fail=$((fail + 1))
fi
"$FSC_BIN/fdecode" --help >"$TMP/help" || { echo "FAIL: --help exit status"; exit 1; }
grep -o -- '--[a-z][a-z-]*' "$TMP/help" | sort -u >"$TMP/help.opts"
# In troff source a dash is written \-; undo that before looking.
sed 's/\\-/-/g' "$MAN" >"$TMP/man"
grep -o -- '--[a-z][a-z-]*' "$TMP/man" | sort -u >"$TMP/man.opts"
if ! diff -u "$TMP/help.opts" "$TMP/man.opts"; then
	echo "FAIL: options in --help and doc/fdecode.1 differ"
	fail=$((fail + 1))
fi
for key in class tailscale role rdns country city asn as_org client client_network; do
	if ! grep -q "$key" "$TMP/man"; then
		echo "FAIL: doc/fdecode.1 does not name the JSON key $key"
		fail=$((fail + 1))
	fi
done
for opt in -n --dns --dns-timeout --geoip-db --no-geoip FSC_GEOIP_DB; do
	if ! grep -q -- "$opt" "$TMP/help"; then
		echo "FAIL: fdecode --help does not mention $opt"
		fail=$((fail + 1))
	fi
done
echo "$fail failed"
[ "$fail" -eq 0 ]
