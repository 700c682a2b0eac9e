#!/bin/sh
# fwatch's stories (issue 13 item 3): three vantage points replayed at once
# (-r public.pcap -r underlay.pcap -r node-lo.pcap, --wg-keylog), merged by
# time and joined as fdecode --correlate joins them. For every request of
# the lab's capture set (captures/correlate/lab: 14 public requests, the
# node's log as the truth) the dump's Detail must show the chain fdecode
# tells (edge, relay with its session, ingress Src and answer, TLS, the
# loopback request, each join's kind), its STAGES cell the same stretches
# to the microsecond, and its stage bar the stretches in order, each at
# least one cell and the rest within a cell of its share; the loopback
# request must be the one the node served that client port. Then without
# keys (the TUN capture in place of the underlay): the relay joined by
# time (and size). And one capture of one vantage point: no STAGES column at all.
# The lab's node is fnode, whose proxy gives each client connection its own
# backend connection: both tools run --proxy-model per-connection (pooled,
# the default, leaves two connections of one address at once ambiguous).
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
command -v python3 >/dev/null || { echo "fwatch_story: SKIP: no python3"; exit 77; }
L="$FSC_SRC/captures/correlate/lab"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C
fail=0

run() {	# NAME FWATCH_INPUTS... -- FDECODE_INPUTS...
	name=$1
	shift
	fw="" fd=""
	while [ "$1" != -- ]; do fw="$fw $1"; shift; done
	shift
	fd="$*"
	# shellcheck disable=SC2086
	"$FSC_BIN/fwatch" -n --no-geoip --proxy-model per-connection --dump --details $fw >"$T/$name.dump" 2>"$T/$name.err" ||
		{ echo "FAIL: $name: fwatch exit $?: $(cat "$T/$name.err")"; fail=1; return 1; }
	# shellcheck disable=SC2086
	"$FSC_BIN/fdecode" -n -q --no-geoip --correlate --proxy-model per-connection --json $fd >"$T/$name.json" 2>"$T/$name.ferr" ||
		{ echo "FAIL: $name: fdecode exit $?: $(cat "$T/$name.ferr")"; fail=1; return 1; }
}

check() {	# NAME RELAY_JOIN EDGE_JOIN WANT_STORIES
	python3 - "$T/$1.dump" "$T/$1.json" "$L/node.log" "$2" "$3" "$4" <<'PY'
import json, re, sys
dump_path, json_path, log, relay_join, edge_join, want = sys.argv[1:7]
want = int(want)
truth = {}
for line in open(log):
    m = re.search(r" request client=[0-9.]+:(\d+) .*target=(\S+)", line)
    if m:
        truth.setdefault(int(m.group(1)), set()).add(m.group(2))
stories = [json.loads(l) for l in open(json_path)]
stories = [s for s in stories if s.get("type") == "story" and "request" in s]
by_target = {s["request"]["target"]: s for s in stories}
text = open(dump_path).read()
errs = []
# The Requests rows: STAGES is the last column.
rows = {}
sec = text.split("== Requests")[1].split("\n\n")[0].splitlines()[1:]
head = sec[0].split()
if head[-1] != "STAGES":
    errs.append("no STAGES column: %s" % head)
for r in sec[1:]:
    f = r.split()
    if f[5] == "GET":
        rows[f[7]] = f[-1]
details = {}
for block in text.split("== Detail #")[1:]:
    lines = block.splitlines()
    m = re.search(r"Request +#\d+ GET (\S+) HTTP", block)
    if m:
        details[m.group(1)] = block
letters = "eitbfl"
names = ["edge", "ingress", "tls", "to_backend", "first_byte", "last_byte"]
checked = 0
for target, s in sorted(by_target.items()):
    d = details.get(target)
    if d is None:
        errs.append("%s: no Detail" % target)
        continue
    def field(label):
        m = re.search(r"^  %s +(.*)$" % label, d, re.M)
        return m.group(1) if m else ""
    dur = s["durations_ms"]
    # the chain, side by side with fdecode's story
    ing = s["ingress"]
    if "src %s target %s answer %d" % (ing["src"], ing["target"], ing["status"]) not in field("Ingress"):
        errs.append("%s: Ingress '%s'" % (target, field("Ingress")))
    if target not in truth.get(ing["client_port"], ()):
        errs.append("%s: joined client port %s, which the node served %s" % (target, ing["client_port"], truth.get(ing["client_port"])))
    rel = field("Relay")
    if not re.fullmatch(relay_join, s["relay"]["join"]) or "[%s]" % s["relay"]["join"] not in rel:
        errs.append("%s: Relay '%s', fdecode %s, want /%s/" % (target, rel, s["relay"]["join"], relay_join))
    if "%s:%d" % (s["relay"]["addr"], s["relay"]["port"]) not in rel \
            or "session %d" % s["relay"].get("session", -1) not in rel:
        errs.append("%s: Relay '%s' is not %s" % (target, rel, s["relay"]))
    if "[%s]" % edge_join not in field("Edge"):
        errs.append("%s: Edge '%s', want [%s]" % (target, field("Edge"), edge_join))
    tls = field("TLS")
    if "sni %s alpn %s" % (s["tls"]["sni"], s["tls"]["alpn"]) not in tls or s["tls"]["ja4"] not in tls \
            or "[exact]" not in tls:
        errs.append("%s: TLS '%s'" % (target, tls))
    lb = field("Loopback")
    if "GET %s%s %d" % (s["request"]["host"], target, s["request"]["status"]) not in lb or \
            "[%s]" % s["request"]["join"] not in lb:
        errs.append("%s: Loopback '%s'" % (target, lb))
    # the stage figures: the same as fdecode's, in Detail and in the row
    st = field("Stages")
    for k, v in dur.items():
        if "%s %.3f" % (k, v) not in st:
            errs.append("%s: Stages '%s' lacks %s %.3f" % (target, st, k, v))
    want_cell = "/".join("%s%.3f" % (letters[i], dur[n]) for i, n in enumerate(names) if n in dur)
    if rows.get(target) != want_cell:
        errs.append("%s: STAGES cell %s, want %s" % (target, rows.get(target), want_cell))
    # the bar: runs in order, one cell at least each, within a cell of the share
    m = re.search(r"^ +\[([a-z]+)\]  e edge", d, re.M)
    if not m:
        errs.append("%s: no bar" % target)
        continue
    bar = m.group(1)
    seen = [letters[i] for i, n in enumerate(names) if dur.get(n, 0) > 0]
    if "".join(sorted(set(bar), key=letters.index)) != "".join(seen) or \
            bar != "".join(c * bar.count(c) for c in seen):
        errs.append("%s: bar %s: not the runs %s in order" % (target, bar, seen))
    total = sum(dur[n] for n in names if dur.get(n, 0) > 0)
    spread = len(bar) - len(seen)
    for i, n in enumerate(names):
        if dur.get(n, 0) > 0:
            share = dur[n] / total * spread
            if abs(bar.count(letters[i]) - 1 - share) > 1:
                errs.append("%s: bar %s: %d cells of %s for a share of %.2f" % (target, bar, bar.count(letters[i]), letters[i], share))
    checked += 1
if checked != want:
    errs.append("%d requests checked, want %d" % (checked, want))
for e in errs[:20]:
    print("  " + e)
sys.exit(1 if errs else 0)
PY
}

run keys -r "$L/public.pcap" -r "$L/underlay.pcap" -r "$L/node-lo.pcap" --wg-keylog "$L/node-wg.keys" \
	-- --wg-keylog "$L/node-wg.keys" "$L/public.pcap" "$L/underlay.pcap" "$L/node-lo.pcap" &&
	if check keys exact address+time 14; then
		echo "ok: with the key log: 14 requests, chain, STAGES and bar as fdecode --correlate and the node's log"
	else
		echo "FAIL: with the key log"; fail=1
	fi
run nokeys -r "$L/inner.pcap" -r "$L/underlay.pcap" -r "$L/node-lo.pcap" \
	-- "$L/inner.pcap" "$L/underlay.pcap" "$L/node-lo.pcap" &&
	if check nokeys 'time(\+size(\+peer)?)?' none 14; then
		echo "ok: without keys (TUN capture): 14 requests, the relay joined by time (and size) as fdecode joins it"
	else
		echo "FAIL: without keys"; fail=1
	fi
# One vantage point: requests joined to nothing, no STAGES column.
"$FSC_BIN/fwatch" -n --no-geoip --dump -r "$L/node-lo.pcap" >"$T/one.dump" 2>&1
if grep -q "^TIME .* BYTES$" "$T/one.dump" && ! grep -q "STAGES\|== Detail.*\n.*Story" "$T/one.dump" &&
	! grep -q "^  Story " "$T/one.dump"; then
	echo "ok: the loopback capture alone: no STAGES column, no story"
else
	echo "FAIL: one vantage point: $(grep -m2 'STAGES\|Story' "$T/one.dump")"; fail=1
fi
# The files in another order (and with a clock offset of 0 for one): the
# same merged stream, the same dump.
"$FSC_BIN/fwatch" -n --no-geoip --proxy-model per-connection --dump --details -r "$L/node-lo.pcap" -r "$L/underlay.pcap" \
	-r "$L/public.pcap" --wg-keylog "$L/node-wg.keys" --clock-offset "$L/public.pcap=0" \
	>"$T/order.dump" 2>&1
sed 's/^  source .*//' "$T/keys.dump" >"$T/a"
sed 's/^  source .*//' "$T/order.dump" >"$T/b"
if diff -q "$T/a" "$T/b" >/dev/null; then
	echo "ok: -r order does not matter: merged by time"
else
	echo "FAIL: -r order changes the dump"; diff "$T/a" "$T/b" | head -10; fail=1
fi
# Two captures of the same packets, one from a clock 2.5 s ahead (editcap
# -t): the Capture section estimates the offset as fdecode --correlate
# does, and --clock-offset takes it back.
if command -v editcap >/dev/null; then
	editcap -t 2.5 "$L/underlay.pcap" "$T/ahead.pcap" >/dev/null 2>&1
	"$FSC_BIN/fwatch" -n --no-geoip --dump -r "$L/underlay.pcap" -r "$T/ahead.pcap" >"$T/clock.dump" 2>&1
	"$FSC_BIN/fwatch" -n --no-geoip --dump -r "$L/underlay.pcap" -r "$T/ahead.pcap" \
		--clock-offset "$T/ahead.pcap=-2.5" >"$T/clock0.dump" 2>&1
	if grep -q "^  clock        ahead.pcap minus underlay.pcap: +2.500000 s +/- 0.000000 s, from [1-9][0-9]* packets" "$T/clock.dump" &&
		grep -q "^  clock        ahead.pcap minus underlay.pcap: +0.000000 s" "$T/clock0.dump"; then
		echo "ok: the clock offset between two captures: +2.5 s estimated, 0 once --clock-offset gives it"
	else
		echo "FAIL: clock offsets: $(grep clock "$T/clock.dump" "$T/clock0.dump")"; fail=1
	fi
else
	echo "note: no editcap; the clock offset not checked"
fi
exit $fail
