#!/bin/sh
# Golden: fwatch --dump with MaxMind DB files written at test time
# (tests/unit/mkmmdb.pl, crafted data covering the addresses inside
# captures/): the CC, AS and ORG columns, hostile organisation names
# escaped, and the country: and asn: filters. Expected files:
# tests/golden/fwatch/geoip-*; FSC_UPDATE_GOLDEN=1 rewrites them (review the
# diff!). Always -n: no DNS. Skips (77) without libmaxmind-db-writer-perl.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
dir="$FSC_SRC/tests/golden/fwatch"
F="$FSC_BIN/fwatch"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
perl "$FSC_SRC/tests/unit/mkmmdb.pl" "$TMP"
rc=$?
[ $rc -eq 77 ] && { echo "skip: no MaxMind::DB::Writer"; exit 77; }
[ $rc -eq 0 ] || exit 1
fail=0
n=0

# golden NAME ARGS...: fwatch -n --geoip-db CITY --geoip-db ASN ARGS, in the
# source tree, against geoip-NAME.dump.
golden() {
	name=$1
	shift
	n=$((n + 1))
	(cd "$FSC_SRC" && "$F" -n --geoip-db "$TMP/GeoLite2-City.mmdb" \
		--geoip-db "$TMP/GeoLite2-ASN.mmdb" "$@") >"$TMP/$name" 2>"$TMP/$name.err"
	echo "exit $?" >>"$TMP/$name.err"
	cat "$TMP/$name.err" >>"$TMP/$name"
	if [ "${FSC_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$TMP/$name" "$dir/geoip-$name.dump"
	elif ! diff -u "$dir/geoip-$name.dump" "$TMP/$name"; then
		echo "FAIL: geoip-$name (fwatch $*)"
		fail=$((fail + 1))
	fi
}

golden http-xff -r captures/streams/http-xff.pcap --dump
golden asn -r captures/streams/http-xff.pcap --dump --match asn:15169
golden country -r captures/streams/http-xff.pcap --dump --match 'country:us !path:/post'
golden ingress -r captures/streams/ingress.pcap --dump
golden hostile -r tests/golden/fwatch/inputs/hostile.pcap --dump
golden wg-tunnel -r captures/wg-tunnel.pcap --dump

# A database that is not one: exit 2 and say which file.
n=$((n + 1))
echo "not a database" >"$TMP/bad.mmdb"
"$F" -n --geoip-db "$TMP/bad.mmdb" -r "$FSC_SRC/captures/disco.pcap" --dump \
	>/dev/null 2>"$TMP/bad.err"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "bad.mmdb" "$TMP/bad.err"; then
	echo "FAIL: a bad --geoip-db gave exit $rc:"
	cat "$TMP/bad.err"
	fail=$((fail + 1))
fi
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
