#!/bin/sh
# The same IP packets under every link layer decode to the same events: each
# file in captures/linktypes/ must give raw.pcap's JSON lines exactly.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
dir="$FSC_SRC/captures/linktypes"
ref=$(mktemp)
got=$(mktemp)
trap 'rm -f "$ref" "$got"' EXIT
"$FSC_BIN/fdecode" --json -v "$dir/raw.pcap" | sed 's/,"linktype":[0-9]*//' >"$ref"
[ -s "$ref" ] || { echo "raw.pcap decoded to nothing"; exit 1; }
grep -q '"type":"wg"' "$ref" || { echo "raw.pcap has no WireGuard events"; exit 1; }
# IPV4 and IPV6 files hold one family only: compare with raw.pcap filtered.
ref4=$(mktemp)
ref6=$(mktemp)
trap 'rm -f "$ref" "$got" "$got.want" "$ref4" "$ref6"' EXIT
"$FSC_BIN/fdecode" --json -v -f ip "$dir/raw.pcap" >"$ref4"
"$FSC_BIN/fdecode" --json -v -f ip6 "$dir/raw.pcap" >"$ref6"
[ -s "$ref4" ] && [ -s "$ref6" ] || { echo "raw.pcap filtered to nothing"; exit 1; }
pass=0
fail=0
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
	want=$ref
	case $(basename "$f") in
	ipv4.pcap) want=$ref4 ;;
	ipv6.pcap) want=$ref6 ;;
	esac
	"$FSC_BIN/fdecode" --json -v "$f" | sed 's/,"linktype":[0-9]*//' >"$got"
	if [ "$want" != "$ref" ]; then
		# a one-family file numbers its frames differently
		sed -i 's/,"frame":[0-9]*//' "$got"
		sed 's/,"frame":[0-9]*//' "$want" >"$got.want"
		want=$got.want
	fi
	if cmp -s "$want" "$got"; then
		pass=$((pass + 1))
	else
		echo "FAIL: $(basename "$f") differs from raw.pcap:"
		diff "$want" "$got" | head -10
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -ge 14 ]
