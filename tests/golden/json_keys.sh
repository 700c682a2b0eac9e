#!/bin/sh
# The JSON lines keep their promises (issue 15 item 7), over every sample
# capture (captures/**/*.pcap*, with its key log when one lies beside it), as
# events (--json -v) and as the summary (--summary --json), and over the
# stories of --correlate:
#   - every line is one JSON object (jq parses it);
#   - no member's value is "" (absent means absent);
#   - every timestamp ("ts", "first_ts", "last_ts") has six decimals;
#   - every key that any line holds, at any depth, is explained in
#     doc/fdecode.1 (a key K_info beside an address K is covered by K and the
#     page's KEY_info paragraph), and so is every literal key the event
#     printers' source hands the JSON writer.
# jq does the reading; the man page is searched for the key as a bold word.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq not installed"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
man="$FSC_SRC/doc/fdecode.1"
fail=0
n=0

cd "$FSC_SRC" || exit 1
for cap in $(find captures -name '*.pcap' -o -name '*.pcapng' | sort); do
	keys=""
	for k in "${cap%.*}.keylog" "${cap%.*}.keys"; do
		[ -f "$k" ] && keys="--wg-keylog $k" && break
	done
	# shellcheck disable=SC2086 # $keys is two words or none
	"$FSC_BIN/fdecode" -n --no-geoip --json -v $keys "$cap" >>"$out/events" 2>/dev/null
	# shellcheck disable=SC2086
	"$FSC_BIN/fdecode" -n --no-geoip --summary --json $keys "$cap" >>"$out/summary" 2>/dev/null
	n=$((n + 1))
done
[ "$n" -gt 10 ] || { echo "FAIL: only $n captures found"; exit 1; }
# The stories of --correlate (the lab's one request at four vantage
# points), with the key log and without: their keys go with the events.
c=captures/correlate
"$FSC_BIN/fdecode" -n --no-geoip --correlate --json --wg-keylog $c/node-wg.keys \
	$c/public.pcap $c/underlay.pcap $c/node-lo.pcap >>"$out/events" 2>/dev/null
"$FSC_BIN/fdecode" -n --no-geoip --correlate --json $c/inner.pcap $c/underlay.pcap \
	$c/node-lo.pcap >>"$out/events" 2>/dev/null
grep -q '"type":"story".*"request":{.*"stages":{' "$out/events" ||
	{ echo "FAIL: no story with its request's nested stages"; fail=1; }
[ -s "$out/events" ] && [ -s "$out/summary" ] || { echo "FAIL: no JSON written"; exit 1; }

for f in events summary; do
	if ! jq -c 'select(type != "object")' "$out/$f" >"$out/$f.bad" 2>"$out/$f.err"; then
		echo "FAIL: $f: not JSON lines: $(head -c 300 "$out/$f.err")"
		fail=1
	elif [ -s "$out/$f.bad" ]; then
		echo "FAIL: $f: a line that is not an object: $(head -1 "$out/$f.bad")"
		fail=1
	fi
done

# "" anywhere, as a member's value: absent means absent.
for f in events summary; do
	jq -c '[paths(type == "string" and . == "") | map(tostring) | join(".")]
	       | select(length > 0)' "$out/$f" >"$out/empty.$f"
done
for f in events summary; do
	if [ -s "$out/empty.$f" ]; then
		echo "FAIL: $f: empty strings at $(sort -u "$out/empty.$f" | head -5 | tr '\n' ' ')"
		fail=1
	fi
done

# Timestamps: seconds and six digits of microseconds, as written.
bad_ts=$(grep -ohE '"(ts|first_ts|last_ts)":-?[0-9]+(\.[0-9]*)?' "$out/events" "$out/summary" |
	grep -vE ':-?[0-9]+\.[0-9]{6}$' | head -3)
if [ -n "$bad_ts" ]; then
	echo "FAIL: timestamps without six decimals: $bad_ts"
	fail=1
fi

# Every key, documented. The page's words in bold: .B/.BR/.IB lines.
# (http_status's "codes" is keyed by the status codes themselves: numbers.)
jq -r '[paths | .[] | strings] | .[]' "$out/events" "$out/summary" |
	grep -vxE '[0-9]+' | sort -u >"$out/keys"
sed -n 's/^\.\(B\|BR\|BI\|IB\|RB\) //p' "$man" | sed 's/\\-/-/g; s/"//g' |
	tr ' ,' '\n\n' | sed '/^$/d' | sort -u >"$out/words"
missing=""
nkeys=0
while read -r key; do
	nkeys=$((nkeys + 1))
	base=${key%_info}
	if grep -qxF "$key" "$out/words"; then
		continue
	elif [ "$base" != "$key" ] && grep -qxF "$base" "$out/words" && grep -qxF _info "$out/words"; then
		continue
	fi
	missing="$missing $key"
done <"$out/keys"
if [ -n "$missing" ]; then
	echo "FAIL: keys not explained in doc/fdecode.1:$missing"
	fail=1
fi

# Keys no sample capture brings out (a refused handshake, MS-TURN, a
# Forwarded header...): every literal key the event printers hand the
# writer, read from their source, is on the page too.
grep -ohE 'fsc_jsonw_[a-z_0-9]+\(&?[a-z>-]+(->jw)?, "[a-z_0-9]+"|json_(addr|endpoint)\(pr, "[a-z_0-9]+"(, "[a-z_0-9]+")?|json_(header|fwd_value)\(w, "[a-z_0-9]+"' \
	"$FSC_SRC"/tools/fdecode/print.c "$FSC_SRC"/tools/fdecode/print_stream.c \
	"$FSC_SRC"/tools/fdecode/fields.c "$FSC_SRC"/tools/fdecode/origin.c \
	"$FSC_SRC"/tools/fdecode/wgkeys.c "$FSC_SRC"/tools/fdecode/story.c | grep -oE '"[a-z_0-9]+"' | tr -d '"' | sort -u >"$out/srckeys"
nsrc=$(wc -l <"$out/srckeys")
[ "$nsrc" -gt 80 ] || { echo "FAIL: only $nsrc keys read from the printers' source"; fail=1; }
src_missing=$(comm -23 "$out/srckeys" "$out/words" | tr '\n' ' ')
if [ -n "$src_missing" ]; then
	echo "FAIL: keys in the printers' source not explained in doc/fdecode.1: $src_missing"
	fail=1
fi
[ "$nkeys" -gt 50 ] || { echo "FAIL: only $nkeys keys collected"; fail=1; }
[ "$fail" = 0 ] && echo "json_keys: $n captures, $nkeys keys ($nsrc in the printers' source), all documented, no \"\", six-digit times"
exit "$fail"
