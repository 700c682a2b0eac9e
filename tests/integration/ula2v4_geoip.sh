#!/bin/sh
# ula2v4 with MaxMind DB files written at test time (tests/unit/mkmmdb.pl,
# City, Country and ASN schemas): --geoip-db, FSC_GEOIP_DB, --no-geoip, text,
# JSON and annotate output, and a bad database. Skips (77) without the Perl
# writer.
set -u
: "${FSC_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FSC_BIN:=$FSC_SRC/build/bin}"
U="$FSC_BIN/ula2v4"
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init TMP
perl "$FSC_SRC/tests/unit/mkmmdb.pl" "$TMP"
rc=$?
[ $rc -eq 77 ] && { echo "skip: no MaxMind::DB::Writer"; exit 77; }
[ $rc -eq 0 ] || exit 1
CITY="$TMP/GeoLite2-City.mmdb"
CTRY="$TMP/GeoLite2-Country.mmdb"
ASN="$TMP/GeoLite2-ASN.mmdb"
pass=0
fail=0
expect() { # NAME WANT-FILE GOT-FILE
	if diff -u "$2" "$3"; then pass=$((pass + 1)); else echo "FAIL: $1" >&2; fail=$((fail + 1)); fi
}

# Text: City + ASN. A public address with no counterpart prints its class
# with what GeoIP knows; 8.8.8.8 is in no database: its class alone, exit 0.
# The city name's escape byte is quoted, never sent raw.
"$U" --geoip-db "$CITY" --geoip-db "$ASN" 66.249.72.211 103.84.155.153 \
	2001:4860:4860::8888 198.18.7.1 100.104.208.43 8.8.8.8 >"$TMP/o" 2>"$TMP/e"
echo $? >"$TMP/rc"
cat >"$TMP/want" <<'X'
66.249.72.211  -  public  country=US  city="Mountain View"  asn=15169  as_org=GOOGLE
103.84.155.153  -  public  country=JP  city=Tokyo  asn=64500  as_org="Example Hosting K.K."
2001:4860:4860::8888  -  public  country=US  asn=15169  as_org=GOOGLE
198.18.7.1  -  benchmark  country=DE  city="München\x1b[0m"
100.104.208.43  fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b  cgnat
8.8.8.8  -  public
X
expect text "$TMP/want" "$TMP/o"
: >"$TMP/want"
expect text-err "$TMP/want" "$TMP/e"
echo 0 >"$TMP/want"
expect text-rc "$TMP/want" "$TMP/rc"

# JSON: fields from several databases (GB only in Country; ASN without an
# organisation), registered_country as the fallback.
"$U" --json --geoip-db "$CITY" --geoip-db "$CTRY" --geoip-db "$ASN" 81.2.69.160 5.6.7.8 \
	198.18.7.1 >"$TMP/o"
cat >"$TMP/want" <<'X'
{"input":"81.2.69.160","kind":"address","addr":"81.2.69.160","class":"public","description":"public address","counterpart":null,"country":"GB","asn":64501}
{"input":"5.6.7.8","kind":"address","addr":"5.6.7.8","class":"public","description":"public address","counterpart":null,"country":"SE"}
{"input":"198.18.7.1","kind":"address","addr":"198.18.7.1","class":"benchmark","description":"benchmarking range (RFC 2544)","counterpart":null,"country":"DE","city":"München\u001b[0m"}
X
expect json "$TMP/want" "$TMP/o"

# FSC_GEOIP_DB, colon-separated, when there is no --geoip-db.
FSC_GEOIP_DB="$CITY:$ASN" "$U" 66.249.72.211 >"$TMP/o"
echo '66.249.72.211  -  public  country=US  city="Mountain View"  asn=15169  as_org=GOOGLE' >"$TMP/want"
expect env "$TMP/want" "$TMP/o"
# --geoip-db wins over the environment.
FSC_GEOIP_DB="$CITY:$ASN" "$U" --geoip-db "$CTRY" 66.249.72.211 >"$TMP/o"
echo '66.249.72.211  -  public  country=US' >"$TMP/want"
expect explicit-wins "$TMP/want" "$TMP/o"
# --no-geoip: no fields, the class alone.
FSC_GEOIP_DB="$CITY:$ASN" "$U" --no-geoip 66.249.72.211 >"$TMP/o" 2>/dev/null
echo $? >>"$TMP/o"
printf '66.249.72.211  -  public\n0\n' >"$TMP/want"
expect no-geoip "$TMP/want" "$TMP/o"

# Annotate: country and AS after the endpoint.
printf 'GET / from 66.249.72.211:51234 via [2001:4860:4860::8888]:443, relay 103.84.155.153.\n' |
	"$U" --annotate --geoip-db "$CITY" --geoip-db "$ASN" >"$TMP/o"
echo 'GET / from 66.249.72.211:51234 [US AS15169] via [2001:4860:4860::8888]:443 [US AS15169], relay 103.84.155.153 [JP AS64500].' >"$TMP/want"
expect annotate "$TMP/want" "$TMP/o"

# A database that is not one: exit 2 with the file named.
echo "not a database" >"$TMP/bad.mmdb"
"$U" --geoip-db "$TMP/bad.mmdb" 100.104.208.43 >"$TMP/o" 2>"$TMP/e"
rc=$?
if [ $rc -eq 2 ] && [ ! -s "$TMP/o" ] && grep -q "^ula2v4: $TMP/bad.mmdb: " "$TMP/e"; then
	pass=$((pass + 1))
else
	echo "FAIL: bad database (rc $rc): $(cat "$TMP/e")" >&2
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
