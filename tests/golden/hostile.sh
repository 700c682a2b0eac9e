#!/bin/sh
# Hostile captures, catalogued (issue 5): each capture tests/gen/hostile.py
# writes is decoded as text, JSON lines and summary (and by fwatch --dump
# --details, which must exit as fdecode does), and must give
#   - the documented exit status (2: could not be opened or damaged),
#   - the exact one-line message on stderr, or the exact status and reason
#     on the line of the damaged packet or message (text and JSON),
#   - every result decoded before the damage (the good frames around it),
#   - valid JSON on every line, and a summary that names the problem.
# The million-flow captures (a million WireGuard sessions, a million
# half-open TCP flows) are tests/integration/memory_bounds.sh.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 "$FSC_SRC/tests/gen/hostile.py" "$D" || { echo "FAIL: hostile.py"; exit 1; }
cd "$D" || exit 1
fail=0
checks=0
cases=0

bad() {
	echo "FAIL: $case: $*"
	fail=$((fail + 1))
}

# run CASE: decodes $CASE.pcap(ng) three ways into $case.{txt,jsonl,sum}
# (stdout), .err (stderr), .rc (exit status), and checks the exit status is
# the same each way and the JSON parses.
run() {
	case=$1
	cases=$((cases + 1))
	f=$case.pcap
	[ -f "$f" ] || f=$case.pcapng
	[ -f "$f" ] || { bad "no capture written"; return; }
	start=$(date +%s)
	"$FSC_BIN/fdecode" -n --no-geoip -t "$f" >"$case.txt" 2>"$case.err"
	echo $? >"$case.rc"
	"$FSC_BIN/fdecode" -n --no-geoip --json "$f" >"$case.jsonl" 2>"$case.jerr"
	echo $? >"$case.jrc"
	"$FSC_BIN/fdecode" -n --no-geoip -t --summary "$f" >"$case.sum" 2>"$case.serr"
	echo $? >"$case.src"
	# fwatch's model, its dump and every Detail on the same damage
	"$FSC_BIN/fwatch" -n --no-geoip -r "$f" --dump --details >"$case.fw" 2>"$case.fwerr"
	echo $? >"$case.fwrc"
	secs=$(($(date +%s) - start))
	[ "$(cat "$case.rc")" = "$(cat "$case.jrc")" ] && [ "$(cat "$case.rc")" = "$(cat "$case.src")" ] ||
		bad "exit status differs between text, JSON and summary"
	[ "$(cat "$case.fwrc")" = "$(cat "$case.rc")" ] ||
		bad "fwatch --dump exits $(cat "$case.fwrc"), fdecode $(cat "$case.rc"): $(head -c 300 "$case.fwerr")"
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    json.loads(line)
' "$case.jsonl" || bad "invalid JSON"
	# Damage never makes decoding slow: the biggest case is 6 MB.
	[ "$secs" -le 60 ] || bad "took ${secs}s"
}

expect_exit() {
	checks=$((checks + 1))
	[ "$(cat "$case.rc")" = "$1" ] || bad "exit $(cat "$case.rc"), want $1"
}

# The exact stderr (one line), in every mode; the summary lists it too.
expect_err() {
	checks=$((checks + 1))
	want="fdecode: $f: $1"
	for e in err jerr serr; do
		[ "$(cat "$case.$e")" = "$want" ] || {
			bad "stderr ($e) is '$(cat "$case.$e")', want '$want'"
			return
		}
	done
	grep -qxF "  input $f: $1" "$case.sum" || bad "summary does not list '$1'"
}

# A text line ending in this (after the endpoints); N times (default 1).
expect_line() {
	checks=$((checks + 1))
	n=$(grep -cF -- "$1" "$case.txt")
	[ "$n" = "${2:-1}" ] || bad "'$1' on $n lines, want ${2:-1}"
}

# The status and reason on a text line, and on a JSON object of TYPE.
expect_status() {
	type=$1 status=$2 reason=$3
	expect_line "($status: $reason)" "${4:-1}"
	checks=$((checks + 1))
	n=$(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    n += (o.get("type") == sys.argv[2] and o.get("decode_status") == sys.argv[3]
          and o.get("decode_reason") == sys.argv[4])
print(n)
' "$case.jsonl" "$type" "$status" "$reason")
	[ "$n" = "${4:-1}" ] || bad "JSON: $n $type objects with $status '$reason', want ${4:-1}"
}

expect_summary() {
	checks=$((checks + 1))
	grep -qF -- "$1" "$case.sum" || bad "summary lacks '$1'"
}

no_output() {
	checks=$((checks + 1))
	[ ! -s "$case.txt" ] && [ ! -s "$case.jsonl" ] || bad "events printed"
}

WG='198.18.0.1:41641 > 198.18.0.2:51820: wg initiation sender 0x11223344 len 148 session 1'
GET_OK='198.18.0.1:40000 > 198.18.0.2:80: http GET good.example /ok client 198.18.0.1 (tcp-peer)'
OK_200='198.18.0.2:80 > 198.18.0.1:40000: http 200 OK'

# ---- the file ----
run empty
expect_exit 2
expect_err "empty file, not a capture"
no_output

run wrong-magic
expect_exit 2
expect_err "not a pcap or pcapng file (unknown file format)"
no_output

run short-global
expect_exit 2
expect_err "too short to be a capture (truncated dump file; tried to read 24 file header bytes, only got 13)"
no_output

run cut-record-header
expect_exit 2
expect_err "damaged at packet 2 (byte 230): truncated dump file; tried to read 16 header bytes, only got 7; decoded 1 packets"
expect_line "$WG"

run cut-record-body
expect_exit 2
expect_err "damaged at packet 2 (byte 230): truncated dump file; tried to read 190 captured bytes, only got 30; decoded 1 packets"
expect_line "$WG"

run caplen-huge
expect_exit 2
expect_err "damaged at packet 2 (byte 230): invalid packet capture length 300000, bigger than snaplen of 262144; decoded 1 packets"
expect_line "$WG"

run pcapng-oversized-block
expect_exit 2
expect_err "damaged at packet 2 (byte 48): pcapng block size 2147483632 > maximum 16777216; decoded 1 packets"
expect_line "$WG"

run pcapng-unknown-block
expect_exit 0
expect_line "$WG" 2

# A timestamp of 2^64 - 1 microseconds: clamped (to 2242), never overflowed
# (the sanitizer build aborts on a signed overflow), the capture's span
# never negative, in fdecode and in fwatch's replay and its dump deadline.
run pcapng-huge-time
expect_exit 0
expect_line "$WG" 3
expect_summary "time         00:00:00.000 .. 12:56:32.551 (6822708992.552 s)"
# (--dump 1: one second of capture time, so the dump comes before the
# frame from 2242.)
for dump in "" 1; do
	checks=$((checks + 1))
	"$FSC_BIN/fwatch" -n --no-geoip -r "$f" --dump $dump >"$case.dump" 2>&1 ||
		bad "fwatch --dump $dump: exit $?"
	want=3
	[ -n "$dump" ] && want=1
	grep -q "^  packets      $want " "$case.dump" && ! grep -q "(-" "$case.dump" ||
		bad "fwatch --dump $dump: $(grep -m1 '^  packets' "$case.dump")"
done

# A record longer than the file's snaplen: libpcap keeps snaplen bytes, and
# what it kept is a cut payload.
run caplen-over-snaplen
expect_exit 0
expect_status udp truncated "payload cut by the snapshot length" 2
expect_summary "2 payloads cut by the snapshot length"

# ---- packets ----
run zero-length
expect_exit 0
expect_line "$WG" 2
expect_line "frame EN10MB len 0 (malformed: ethernet header cut short)"
expect_line "frame EN10MB len 60 (truncated: ethernet header cut short)"
expect_status frame malformed "ethernet header cut short"
expect_status frame truncated "ethernet header cut short"

run snaplen-cut
expect_exit 0
expect_line "$WG" 2
expect_status frame truncated "ethernet header cut short"
expect_status ip truncated "ipv4 header cut short"
expect_status ip truncated "ipv6 header cut short"
expect_status udp truncated "udp header cut short"
expect_status tcp truncated "tcp header cut short"
expect_status udp truncated "payload cut by the snapshot length"
expect_summary "6 packets truncated"

run ipv4-bad-ihl
expect_exit 0
expect_line "$WG" 2
expect_status udp malformed "ipv4 header length below 5"
expect_status udp malformed "ipv4 total length below header length"
expect_status udp malformed "ipv4 total length beyond frame"
expect_summary "3 packets malformed"

run ipv6-endless-ext
expect_exit 0
expect_line "$WG" 2
expect_status ip malformed "ipv6 extension header chain too long"

run tcp-bad-doff
expect_exit 0
expect_line "$GET_OK"
expect_line "$OK_200"
expect_status tcp malformed "tcp data offset beyond segment"
expect_status tcp malformed "tcp data offset below 5"
expect_line "$WG"

# ---- streams ----
run snaplen-cut-stream
expect_exit 0
expect_line "$WG"
expect_status tcp truncated "payload cut by the snapshot length"
expect_status tls_client_hello truncated "hello cut by a gap in the capture"
expect_summary "1 TCP gaps (61 bytes never captured)"

# A capture ends inside a request head: exit 0 (every capture ends
# somewhere), the head reported as cut after the exchange before it.
run ends-mid-stream
expect_exit 0
expect_line "$GET_OK"
expect_line "$OK_200"
expect_line "http GET /cut (request 2) (truncated: the stream ended inside the head)"
expect_status http_request truncated "the stream ended inside the head"
expect_summary "1 packets truncated"

# The first copy of each byte wins; the contradiction is counted.
run tcp-overlaps
expect_exit 0
expect_line "http GET good.example /first client 198.18.0.1 (tcp-peer)"
expect_line "/evil" 0
expect_line "http 200 OK" 1
expect_summary "1 TCP retransmissions that contradict the first copy (8 bytes)"

run tls-lies
expect_exit 0
expect_line "tls client hello sni hostile.example TLS1.3 ja4 t13d010300_0f2cb44170f4_b0ac53b37fa7"
expect_status tls_client_hello malformed "server_name list length disagrees with extension"
expect_status tls_client_hello malformed "extension overruns extensions block"
expect_status tls_client_hello malformed "extensions length disagrees with message"
expect_status tls_client_hello malformed "unknown record content type"
expect_status tls_client_hello truncated "the stream ended inside the hello"
expect_summary "4 TLS hellos malformed"

run http-head-1mib
expect_exit 0
expect_line "$GET_OK"
expect_line "http GET /big (request 2) (malformed: head too large)"
expect_status http_request malformed "head too large"

# A million header lines: refused by the header count, in one pass.
run http-many-headers
expect_exit 0
expect_line "$GET_OK"
expect_line "http GET /many (request 2) (malformed: too many headers)"
expect_status http_request malformed "too many headers"
expect_summary "1 HTTP heads or bodies malformed"

# An empty quoted Forwarded node: the hop is kept, empty, in fdecode and in
# fwatch's Detail (it was a memcpy from NULL, caught by the sanitizers).
run forwarded-empty
expect_exit 0
expect_line "http GET good.example /fwd client - (forwarded) (request 2)"
checks=$((checks + 1))
grep -qF 'Forwarded: for=\"\"\"' "$case.fw" || bad "fwatch Detail lacks the header"

n=$(python3 "$FSC_SRC/tests/gen/hostile.py" --list | wc -l)
[ "$cases" -eq "$n" ] || { echo "FAIL: $cases cases run, hostile.py has $n"; fail=$((fail + 1)); }
echo "$cases cases, $checks checks, $fail failed"
[ "$fail" -eq 0 ]
