#!/bin/sh
# fdecode's request records as access logs (issue 16 item 1): GoAccess, a
# real log reader, parses the combined log of http-xff.pcap with no failed
# line, counts as many requests as fdecode has records and lists exactly
# fdecode's clients (by the client rule) as its hosts; the JSON log has the
# records' keys, --access-log-fields picks them, and redaction and client
# truncation hold.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
command -v goaccess >/dev/null 2>&1 || { echo "SKIP: goaccess not installed (scripts/deps.sh)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CAP="$FSC_SRC/captures/streams/http-xff.pcap"
FD="$FSC_BIN/fdecode"
fail=0

"$FD" -n --access-log "$TMP/combined.log" "$CAP" >/dev/null || { echo "FAIL: fdecode --access-log"; exit 1; }
"$FD" -n --json --records "$CAP" | grep '"type":"request"' >"$TMP/records.jsonl"
goaccess --no-global-config --log-format=COMBINED -o "$TMP/ga.json" "$TMP/combined.log" \
	>/dev/null 2>"$TMP/ga.err" || { echo "FAIL: goaccess"; cat "$TMP/ga.err"; exit 1; }
# -: standard output carries the log instead of the events
"$FD" -n --access-log - "$CAP" >"$TMP/stdout.log"
cmp -s "$TMP/stdout.log" "$TMP/combined.log" || { echo "FAIL: --access-log - differs from the file"; fail=$((fail + 1)); }

"$FD" -n --access-log "$TMP/all.jsonl" --access-log-format json "$CAP" >/dev/null
"$FD" -n --access-log "$TMP/some.jsonl" --access-log-format json \
	--access-log-fields ts,client,status "$CAP" >/dev/null
"$FD" -n --access-log "$TMP/red.log" --truncate-clients --redact-query status "$CAP" >/dev/null
"$FD" -n --access-log "$TMP/red.jsonl" --access-log-format json --record-field User-Agent \
	--redact user-agent --truncate-clients "$CAP" >/dev/null

# unanswered requests keep their lines (status 499): GoAccess drops none
for cap in odd/midstream-join.pcap odd/chunk-overflow.pcap; do
	"$FD" -n --access-log "$TMP/u.log" "$FSC_SRC/captures/$cap" >/dev/null
	want=$("$FD" -n --json --records "$FSC_SRC/captures/$cap" | grep -c '"type":"request"')
	goaccess --no-global-config --log-format=COMBINED -o "$TMP/u.json" "$TMP/u.log" >/dev/null 2>&1
	got=$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["general"]; print(g["total_requests"], g["failed_requests"])' "$TMP/u.json")
	if [ "$got" != "$want 0" ] || ! grep -q '" 499 - "' "$TMP/u.log"; then
		echo "FAIL: $cap: goaccess total/failed '$got', records $want"; cat "$TMP/u.log"
		fail=$((fail + 1))
	fi
done

# a log that cannot be opened: one line, exit 2, nothing decoded
"$FD" -n --access-log "$TMP/no/such/dir/x.log" "$CAP" >"$TMP/bad.out" 2>"$TMP/bad.err"
rc=$?
if [ "$rc" -ne 2 ] || [ -s "$TMP/bad.out" ] ||
	[ "$(cat "$TMP/bad.err")" != "fdecode: --access-log: '$TMP/no/such/dir/x.log': No such file or directory" ]; then
	echo "FAIL: unwritable --access-log: exit $rc, $(wc -c <"$TMP/bad.out") bytes out, '$(cat "$TMP/bad.err")'"
	fail=$((fail + 1))
fi

# fwatch writes the same lines from the same capture (its own order: as
# transactions end while it replays)
"$FSC_BIN/fwatch" -n --dump -r "$CAP" --access-log "$TMP/fwatch.log" >/dev/null ||
	{ echo "FAIL: fwatch --access-log"; fail=$((fail + 1)); }
# ... and so does it headless, ending with the replay
"$FSC_BIN/fwatch" -n --headless --max -r "$CAP" --access-log "$TMP/fwatch.log" >/dev/null ||
	{ echo "FAIL: fwatch --headless --access-log"; fail=$((fail + 1)); }
sort "$TMP/fwatch.log" | uniq -c | awk '$1 != 2 { bad = 1 } END { exit bad }' ||
	{ echo "FAIL: fwatch --headless did not append the same lines again"; fail=$((fail + 1)); }
sort -u "$TMP/fwatch.log" >"$TMP/fwatch.sorted"
sort -u "$TMP/combined.log" >"$TMP/fdecode.sorted"
if ! cmp -s "$TMP/fwatch.sorted" "$TMP/fdecode.sorted"; then
	echo "FAIL: fwatch's access log differs from fdecode's"
	diff "$TMP/fwatch.sorted" "$TMP/fdecode.sorted" | head -5
	fail=$((fail + 1))
fi

# ... and the same lines with the same field and redaction options, which
# both programs take from one table (tools/common/logopts.h)
for opts in "--truncate-clients --redact-query status --redact-query q" \
	"--access-log-format json --access-log-fields ts,client,claimed,uri,user_agent,status --redact User-Agent --redact-query status --truncate-clients"; do
	rm -f "$TMP/o.fd" "$TMP/o.fw"
	# shellcheck disable=SC2086 # the options are words
	"$FD" -n $opts --access-log "$TMP/o.fd" "$CAP" >/dev/null &&
		"$FSC_BIN/fwatch" -n --headless --max -r "$CAP" $opts --access-log "$TMP/o.fw" >/dev/null ||
		{ echo "FAIL: with $opts: a program failed"; fail=$((fail + 1)); continue; }
	sort "$TMP/o.fd" >"$TMP/o.fd.s"
	sort "$TMP/o.fw" >"$TMP/o.fw.s"
	if [ ! -s "$TMP/o.fd.s" ] || ! cmp -s "$TMP/o.fd.s" "$TMP/o.fw.s"; then
		echo "FAIL: with $opts: fwatch's log differs from fdecode's (or is empty)"
		diff "$TMP/o.fd.s" "$TMP/o.fw.s" | head -5
		fail=$((fail + 1))
	fi
	case $opts in *json*)
		grep -q '"user_agent":"REDACTED"' "$TMP/o.fw" && ! grep -q '"method"' "$TMP/o.fw" ||
			{ echo "FAIL: fwatch ignored --redact or --access-log-fields"; fail=$((fail + 1)); } ;;
	*)	grep -q 'status=REDACTED' "$TMP/o.fw" ||
			{ echo "FAIL: fwatch ignored --redact-query"; fail=$((fail + 1)); } ;;
	esac
done

python3 - "$TMP" <<'EOF' || fail=$((fail + 1))
import json, sys
tmp = sys.argv[1]
bad = 0
def check(ok, what):
    global bad
    if not ok:
        print("FAIL:", what)
        bad += 1
recs = [json.loads(l) for l in open(tmp + "/records.jsonl")]
ga = json.load(open(tmp + "/ga.json"))
g = ga["general"]
check(len(recs) > 20, "fdecode has %d records" % len(recs))
check(g["total_requests"] == len(recs), "goaccess total %d, fdecode records %d" % (g["total_requests"], len(recs)))
check(g["failed_requests"] == 0, "goaccess failed %d lines" % g["failed_requests"])
hosts = sorted(h["data"] for h in ga["hosts"]["data"])
clients = sorted(set(r["client"] for r in recs))
check(hosts == clients, "goaccess hosts %s != fdecode clients %s" % (hosts, clients))
check("66.249.72.211" in hosts, "the X-Forwarded-For client is a host")
# JSON log: the records' keys, without type; picked fields only
alls = [json.loads(l) for l in open(tmp + "/all.jsonl")]
check(len(alls) == len(recs), "json log lines")
check([dict((k, v) for k, v in r.items() if k != "type") for r in recs] == alls,
      "json log = records without type")
some = [json.loads(l) for l in open(tmp + "/some.jsonl")]
check(all(set(s) <= {"ts", "client", "client_rule", "hops", "status", "reason", "interim"} for s in some),
      "--access-log-fields ts,client,status: %s" % sorted(set().union(*map(set, some))))
check(all("client" in s and "ts" in s for s in some), "picked fields present")
# redaction and truncation
red = open(tmp + "/red.log").read()
check("status=REDACTED" in red and "status=404" not in red, "--redact-query status")
check("66.249.72.0 - -" in red and "66.249.72.211" not in red, "--truncate-clients IPv4 /24")
check("2001:db8:: - -" in red, "--truncate-clients IPv6 /48")
rj = [json.loads(l) for l in open(tmp + "/red.jsonl")]
check(all(r.get("request_headers", {}).get("User-Agent") == "REDACTED" for r in rj if "user_agent" in r),
      "--redact user-agent in the kept field")
check(all(r["user_agent"] == "REDACTED" for r in rj if "user_agent" in r) and
      any("user_agent" in r for r in rj), "--redact user-agent in user_agent")
sys.exit(1 if bad else 0)
EOF
echo "$fail failed"
[ "$fail" -eq 0 ]
