#!/bin/sh
# The last-byte latency agrees with tshark: for every http_response_end of
# the sample HTTP captures, the frame that completed the body is the frame
# tshark reassembles the response at, and latency_last_ms is tshark's
# http.time (request to whole response) to the microsecond. latency_ms, the
# first byte, stays what the response event says.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
command -v tshark >/dev/null 2>&1 || { echo "skip: no tshark"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
n=0
for cap in captures/streams/http-xff.pcap captures/streams/small-mtu.pcap; do
	"$FSC_BIN/fdecode" -j -n --no-geoip "$FSC_SRC/$cap" |
		sed -n 's/.*"frame":\([0-9]*\),"type":"http_response_end".*"latency_last_ms":\([0-9.]*\).*/\1 \2/p' |
		sort -n >"$T/ours"
	# tshark times from the frame that completed the request (its body
	# too); ours from the request head: compare answers to requests with
	# no body (GET, HEAD), where the two are the same frame.
	tshark -r "$FSC_SRC/$cap" -Y 'http.request.method == "GET" || http.request.method == "HEAD"' \
		-T fields -e frame.number 2>/dev/null >"$T/bodiless"
	tshark -r "$FSC_SRC/$cap" -Y http.response -T fields -e frame.number -e http.time \
		-e http.request_in 2>/dev/null |
		awk -v list="$T/bodiless" 'BEGIN { while ((getline l < list) > 0) ok[l] = 1 }
			NF == 3 && ok[$3] { printf "%d %.3f\n", $1, $2 * 1000 }' | sort -n >"$T/theirs"
	awk 'NR == FNR { keep[$1] = 1; next } keep[$1]' "$T/theirs" "$T/ours" >"$T/ours.bodiless"
	mv "$T/ours.bodiless" "$T/ours"
	n=$((n + 1))
	if [ ! -s "$T/ours" ] || ! cmp -s "$T/ours" "$T/theirs"; then
		echo "FAIL: $cap: frame and last-byte ms differ from tshark's http.time"
		diff "$T/ours" "$T/theirs" | head -10
		fail=$((fail + 1))
	else
		echo "$cap: $(wc -l <"$T/ours") responses agree with tshark"
	fi
done
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
