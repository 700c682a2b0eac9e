#!/bin/sh
# Golden: fdecode with MaxMind DB files written at test time
# (tests/unit/mkmmdb.pl: crafted City, Country and ASN data that covers the
# addresses inside captures/): text tags, *_info objects, the summary's
# clients and countries/networks tables (text and JSON), hostile
# organisation names escaped. Then FSC_GEOIP_DB, --no-geoip, and a file that
# is not a database. Expected files: tests/golden/fdecode/geoip-*;
# FSC_UPDATE_GOLDEN=1 rewrites them (review the diff!). Always -n: no DNS.
# Skips (77) without the Perl writer (libmaxmind-db-writer-perl).
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
dir="$FSC_SRC/tests/golden/fdecode"
F="$FSC_BIN/fdecode"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
perl "$FSC_SRC/tests/unit/mkmmdb.pl" "$TMP"
rc=$?
[ $rc -eq 77 ] && { echo "skip: no MaxMind::DB::Writer"; exit 77; }
[ $rc -eq 0 ] || exit 1
CITY="$TMP/GeoLite2-City.mmdb"
ASN="$TMP/GeoLite2-ASN.mmdb"
fail=0
n=0

# golden NAME ARGS...: runs fdecode -n --geoip-db CITY --geoip-db ASN ARGS
# (in the source tree) and compares stdout, stderr and the exit code with
# geoip-NAME.
golden() {
	name=$1
	shift
	n=$((n + 1))
	(cd "$FSC_SRC" && "$F" -n --geoip-db "$CITY" --geoip-db "$ASN" "$@") \
		>"$TMP/$name" 2>"$TMP/$name.err"
	echo "exit $?" >>"$TMP/$name.err"
	cat "$TMP/$name.err" >>"$TMP/$name"
	if [ "${FSC_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$TMP/$name" "$dir/geoip-$name"
	elif ! diff -u "$dir/geoip-$name" "$TMP/$name"; then
		echo "FAIL: geoip-$name (fdecode $*)"
		fail=$((fail + 1))
	fi
}

# check NAME COMMAND...: a command that must succeed.
check() {
	name=$1
	shift
	n=$((n + 1))
	if ! "$@"; then
		echo "FAIL: $name"
		fail=$((fail + 1))
	fi
}

golden disco.txt captures/disco.pcap
golden disco.jsonl --json captures/disco.pcap
golden tailscale-debug.txt -v captures/tailscale-debug.pcap
golden summary.txt --summary captures/stun.pcap captures/disco.pcap
golden summary.jsonl --summary --json captures/stun.pcap captures/disco.pcap

# FSC_GEOIP_DB (colon-separated) names the same databases.
(cd "$FSC_SRC" && FSC_GEOIP_DB="$CITY:$ASN" "$F" -n captures/disco.pcap) >"$TMP/env.txt" 2>&1
echo "exit $?" >>"$TMP/env.txt"
check env cmp -s "$TMP/disco.txt" "$TMP/env.txt"

# --no-geoip wins over the environment: the plain golden output.
(cd "$FSC_SRC" && FSC_GEOIP_DB="$CITY:$ASN" "$F" -n --no-geoip captures/disco.pcap) \
	>"$TMP/none.txt" 2>&1
echo "exit $?" >>"$TMP/none.txt"
check no-geoip cmp -s "$dir/disco.txt" "$TMP/none.txt"

# A file that is not a database: exit 2 before any output, the file named.
echo "not a database" >"$TMP/bad.mmdb"
"$F" -n --geoip-db "$TMP/bad.mmdb" "$FSC_SRC/captures/disco.pcap" >"$TMP/bad.out" 2>"$TMP/bad.err"
rc=$?
check bad-db test $rc -eq 2 -a ! -s "$TMP/bad.out"
check bad-db-message grep -q "^fdecode: $TMP/bad.mmdb: " "$TMP/bad.err"

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
