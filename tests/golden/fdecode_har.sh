#!/bin/sh
# fdecode --har (issue 16 item 3): the HAR file of http-xff.pcap is valid
# HAR 1.2 (tests/golden/har/har12.schema.json, the fields the spec marks as
# required, checked with python3-jsonschema; a broken copy must fail it),
# its entries are fdecode's request records one for one (method, URL,
# status, times, client), redaction holds, and --curl prints request N as
# a curl command with its headers as seen; entries come in the order their
# requests started.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
python3 -c 'import jsonschema' 2>/dev/null || { echo "SKIP: python3-jsonschema not installed (scripts/deps.sh)"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CAP="$FSC_SRC/captures/streams/http-xff.pcap"
FD="$FSC_BIN/fdecode"
fail=0

"$FD" -n --har "$TMP/x.har" "$CAP" >/dev/null || { echo "FAIL: fdecode --har"; exit 1; }
"$FD" -n --json --records "$CAP" | grep '"type":"request"' >"$TMP/records.jsonl"
"$FD" -n --har - --redact user-agent "$CAP" >"$TMP/red.har" || { echo "FAIL: --har -"; exit 1; }
"$FD" -n --curl 3 --redact-query status "$CAP" >"$TMP/curl3" || { echo "FAIL: --curl 3"; fail=$((fail + 1)); }
if "$FD" -n --curl 999 "$CAP" >/dev/null 2>"$TMP/curl.err"; then
	echo "FAIL: --curl 999 succeeded"; fail=$((fail + 1))
fi
grep -q "no such request" "$TMP/curl.err" || { echo "FAIL: --curl 999 says: $(cat "$TMP/curl.err")"; fail=$((fail + 1)); }

python3 - "$TMP" "$FSC_SRC/tests/golden/har/har12.schema.json" <<'PY' || fail=$((fail + 1))
import copy, json, sys
import jsonschema
tmp, schema_path = sys.argv[1], sys.argv[2]
schema = json.load(open(schema_path))
bad = 0
def check(ok, what):
    global bad
    if not ok:
        print("FAIL:", what)
        bad += 1
har = json.load(open(tmp + "/x.har"))
v = jsonschema.Draft202012Validator(schema)
errs = list(v.iter_errors(har))
check(not errs, "HAR invalid: %s" % [e.message for e in errs[:3]])
# the check can fail: a copy without timings, one with a string status
broken = copy.deepcopy(har)
del broken["log"]["entries"][0]["timings"]
broken["log"]["entries"][1]["response"]["status"] = "200"
check(len(list(v.iter_errors(broken))) == 2, "the schema misses broken entries")
recs = {r["seq"]: r for r in map(json.loads, open(tmp + "/records.jsonl"))}
ents = {e["_seq"]: e for e in har["log"]["entries"]}
check(len(ents) == len(recs) == len(har["log"]["entries"]) and len(recs) > 20,
      "entries %d, records %d" % (len(ents), len(recs)))
for seq, r in recs.items():
    e = ents.get(seq)
    if e is None:
        check(False, "no entry for record %d" % seq)
        continue
    check(e["request"]["method"] == r["method"], "method %d" % seq)
    check(e["request"]["url"].endswith(r["uri"]) and e["request"]["url"].startswith("http://"), "url %d: %s" % (seq, e["request"]["url"]))
    check(e["response"]["status"] == r.get("status", 0), "status %d" % seq)
    check(e["_client"] == r["client"] and e["_client_rule"] == r["client_rule"], "client %d" % seq)
    check(abs(e["timings"]["wait"] - r.get("latency_ms", 0)) < 0.0015, "wait %d" % seq)
    check(abs(e["time"] - r.get("latency_last_ms", r.get("latency_ms", 0))) < 0.0015, "time %d" % seq)
    check(abs(e["timings"]["wait"] + e["timings"]["receive"] - e["time"]) < 0.0015, "timings add up %d" % seq)
    if "response_body_bytes" in r:
        check(e["response"]["content"]["size"] == r["response_body_bytes"], "size %d" % seq)
    ua = [h["value"] for h in e["request"]["headers"] if h["name"].lower() == "user-agent"]
    check(ua == ([r["user_agent"]] if "user_agent" in r else []), "user agent header %d" % seq)
red = json.load(open(tmp + "/red.har"))
uas = [h["value"] for e in red["log"]["entries"] for h in e["request"]["headers"] if h["name"].lower() == "user-agent"]
check(uas and all(u == "REDACTED" for u in uas), "--redact user-agent in HAR")
q = [e for e in har["log"]["entries"] if e["request"]["queryString"]]
check(any(p == {"name": "status", "value": "404"} for e in q for p in e["request"]["queryString"]), "queryString")
curl = open(tmp + "/curl3").read()
check(curl.startswith("curl --http1.1 --path-as-is 'http://127.0.0.1:2367/xff/v4port?status=REDACTED'"), "curl: %r" % curl[:120])
check("-H 'User-Agent: curl-fsc-test/1 (conn A)'" in curl and "-H 'X-Forwarded-For: 66.249.72.211:51234'" in curl, "curl headers")
check("Host:" not in curl, "curl leaves Host to the URL")
sys.exit(1 if bad else 0)
PY
# Entries in the order requests started (startedDateTime; HAR viewers list
# them as they come), not the order transactions ended (--records): on
# samples with overlapping transactions, where the two orders differ. One
# is real (each request seen on lo and on any); the other is http-xff.pcap
# merged with a copy 10 ms later, so short requests of one copy start
# after and end before long ones of the other (editcap/mergecap, tshark's;
# -I none keeps two interfaces, so the copies' connections stay apart).
order() { # CAPTURE NAME
	"$FD" -n --har "$TMP/$2.har" "$1" >/dev/null 2>&1 &&
		"$FD" -n --json --records "$1" 2>/dev/null | grep '"type":"request"' >"$TMP/$2.rec" &&
		python3 - "$TMP/$2.har" "$TMP/$2.rec" "$2" <<'PY'
import json, sys
ents = json.load(open(sys.argv[1]))["log"]["entries"]
recs = [json.loads(l) for l in open(sys.argv[2])]
starts = [e["startedDateTime"] for e in ents]
ended = [r["seq"] for r in recs]
by_start = [r["seq"] for r in sorted(recs, key=lambda r: (r["ts"], r["seq"]))]
bad = []
if sorted(e["_seq"] for e in ents) != sorted(ended): bad.append("entries are not the records")
if starts != sorted(starts): bad.append("startedDateTime out of order: %s" % starts)
ts = {r["seq"]: r["ts"] for r in recs}
har_ts = [ts.get(e["_seq"], 0) for e in ents]
if har_ts != sorted(har_ts): bad.append("not by the records' start times: %s" % har_ts)
if by_start == ended: bad.append("the sample has no overlap: it tests nothing")
print("%s: %d entries by start; %d of them in another place by end" % (sys.argv[3], len(ents),
      sum(a != b for a, b in zip(by_start, ended))))
for b in bad: print("FAIL: %s: %s" % (sys.argv[3], b))
sys.exit(1 if bad else 0)
PY
}
order "$FSC_SRC/captures/mixed/lo-any.pcapng" lo-any || fail=$((fail + 1))
if command -v editcap >/dev/null && command -v mergecap >/dev/null; then
	editcap -t 0.01 "$CAP" "$TMP/later.pcap" &&
		mergecap -I none -w "$TMP/overlap.pcapng" "$CAP" "$TMP/later.pcap" &&
		order "$TMP/overlap.pcapng" overlap || fail=$((fail + 1))
else
	echo "SKIP: the merged sample (editcap, mergecap from tshark's package, missing)"
fi

echo "$fail failed"
[ "$fail" -eq 0 ]
