#!/bin/sh
# http_odd_tshark.sh - fdecode against tshark on captures shaped like other
# projects' traffic that once fooled it (issue 18), made by
# tests/gen/http_odd.py: every HTTP request and response and every TLS hello
# tshark reports, fdecode reports, and nothing more unless it says why
# (tests/tools/ext_corpus_compare.py, the same comparison that is run by
# hand on ../shared/corpus/ext/); then what tshark has no word for: the
# flags, the fields read in spite of the damage. The committed copies in
# captures/odd/ must be what the generator writes.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
for t in tshark python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done
export PYTHONDONTWRITEBYTECODE=1 TZ=UTC LC_ALL=C
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init D
fail=0
bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

python3 "$FSC_SRC/tests/gen/http_odd.py" "$D" || { echo "FAIL: http_odd.py"; exit 1; }
for f in "$D"/*; do
	cmp -s "$f" "$FSC_SRC/captures/odd/$(basename "$f")" ||
		bad "captures/odd/$(basename "$f") is not what tests/gen/http_odd.py writes (rerun: python3 tests/gen/http_odd.py captures/odd)"
done

# 1. The counts: nothing tshark reports is missed, nothing unflagged added.
FDECODE="$FSC_BIN/fdecode" python3 "$FSC_SRC/tests/tools/ext_corpus_compare.py" -v "$D"/* \
	>"$D/table.txt" 2>&1 || bad "fdecode and tshark disagree"
cat "$D/table.txt"

# 2. What tshark has no opinion on.
for f in "$D"/*.pcap "$D"/*.pcapng; do
	"$FSC_BIN/fdecode" -n --no-geoip --json "$f" >"${f%.*}.jsonl" 2>"${f%.*}.err" ||
		bad "fdecode exited $? on $(basename "$f"): $(head -2 "${f%.*}.err")"
done
# has CASE TEXT...: a line of CASE.jsonl holds every TEXT.
has() {
	c=$1
	shift
	line=$(cat "$D/$c.jsonl")
	for t in "$@"; do
		line=$(printf '%s\n' "$line" | grep -F -- "$t")
	done
	[ -n "$line" ] || bad "$c: no event with $*"
}
has te-obs-fold '"uri":"/"' '"flags":["obs-fold","folded-framing"]'
has te-obs-fold '"uri":"/smuggled-obsfold"' '"smuggling-suspect"'
has chunk-overflow '"uri":"/smuggled-chunk-2pow64"' '"resync","smuggling-suspect"'
has status-version '"status":200' '"version":"HTTP/1.01"' '"bad-version"'
has connect-tunnel '"method":"CONNECT"' '"uri":"apache.org:443"'
has connect-tunnel tls_client_hello '"sni":"apache.org"' '"tunnel"'
has nikto-targets '"uri":"."' '"decode_status":"malformed"' '"user_agent":"Mozilla/5.00 (Nikto/2.1.6)"'
has spaces-target '"uri":"/aaaaaaaaaaaaaaaaaaaaaaaa_very_long_uri"' '"spaces"'
has spaces-target '"uri":"/rick.gif"'
has token-methods '"method":"RPC_OUT_DATA"'
has gnutella-tls '"obs-fold"' '"host":"198.18.0.2:46906"' '"xff":["66.249.72.211"]'
has gnutella-tls tls_server_hello '"cipher":"0xc02f"'
has midstream-join '"status":200' '"uri":"/images/go_homepage.png"' '"resync"'
has midstream-join '"status":200' '"uri":"/images/action_bar_5.png"' '"request":3'
has clock-behind tls_client_hello '"hello":2'
has ms-turn '"mapped":"203.0.113.72:57543"' '"software":"2.0.1.211"' '"unpadded":true'
has urgent-uri '"uri":"/aX/b"' '"urgent"'
grep -q '"method":"OST"' "$D/te-obs-fold.jsonl" && bad "te-obs-fold: a request read one byte in"
# The fingerprints and the draft cipher, as tshark computes and reads them.
want=$(tshark -r "$D/many-ciphers.pcap" -Y tls.handshake.type==1 -T fields \
	-e tls.handshake.ja3 2>/dev/null)
has many-ciphers "\"ja3\":\"$want\""
want=$(tshark -r "$D/tls13-draft.pcap" -Y tls.handshake.type==2 -T fields \
	-e tls.handshake.ciphersuite 2>/dev/null)
[ "$want" = 0xcca9 ] || bad "tls13-draft: tshark reads cipher '$want', the generator wrote 0xcca9"
has tls13-draft tls_server_hello '"cipher":"0xcca9"'
[ "$fail" -eq 0 ] || exit 1
echo "http_odd_tshark: PASS"
