#!/bin/sh
# Truncation at every layer of every sample capture (issue 14): every frame
# cut at every byte, every UDP payload shortened to every length
# (tests/gen/truncated.py cuts), through the programs as built:
#   fdecode (text, -v, --json -v, --summary) and fwatch --dump --details.
# Each run must exit 0 (no crash, no "damaged" verdict for a capture that is
# only short), and:
#   - every frame has its JSON line, every line parses, and text -v prints
#     as many lines as JSON -v (nothing lost to a later problem);
#   - every cut that ends before the IP packet does is flagged truncated or
#     malformed (a short capture never passes for a whole packet);
#   - a STUN message shortened to 8-19 bytes, and a disco datagram
#     shortened below magic + header + tag, stay STUN / disco and say
#     truncated;
#   - the summary and the fwatch dump count every frame, and fwatch counts
#     as many truncated and malformed frames as fdecode.
# Under the sanitizers (FSC_SANITIZED=1) each frame is cut at bytes 0-127
# and then every 7th byte: a deterministic sample of the same cases.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
step=1
[ "${FSC_SANITIZED:-0}" = 1 ] && step=7
python3 "$FSC_SRC/tests/gen/truncated.py" cuts "$D" "$step" || { echo "FAIL: truncated.py"; exit 1; }
cd "$D" || exit 1
fail=0
runs=0

# The regression captures of the golden cases are this generator's output.
python3 "$FSC_SRC/tests/gen/truncated.py" regress "$D/regress" || { echo "FAIL: truncated.py regress"; exit 1; }
for f in stun-short stun-snaplen-60 disco-short; do
	cmp -s "$D/regress/$f.pcap" "$FSC_SRC/tests/golden/fdecode/inputs/$f.pcap" ||
		{ echo "FAIL: tests/golden/fdecode/inputs/$f.pcap is not what truncated.py writes"; fail=$((fail + 1)); }
done

# run NAME OUT ARGS...: one program run, its output in OUT; exit 0 wanted.
run() {
	name=$1 out=$2
	shift 2
	runs=$((runs + 1))
	"$@" >"$out" 2>"$out.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $name: exit $rc: $*"
		head -3 "$out.err"
		fail=$((fail + 1))
	fi
}

while read -r f frames flagged; do
	run "$f text" "$f.txt" "$FSC_BIN/fdecode" -n --no-geoip "$f"
	run "$f -v" "$f.vtxt" "$FSC_BIN/fdecode" -n --no-geoip -v "$f"
	run "$f json" "$f.json" "$FSC_BIN/fdecode" -n --no-geoip --json -v "$f"
	run "$f summary" "$f.sum" "$FSC_BIN/fdecode" -n --no-geoip --summary "$f"
	run "$f fwatch" "$f.dump" "$FSC_BIN/fwatch" -n --no-geoip -r "$f" --dump --details
done <MANIFEST

python3 - <<'EOF' || fail=$((fail + 1))
import json, re, sys

COOKIE = bytes.fromhex("2112a442")
bad = 0


def fail(msg):
    global bad
    bad += 1
    if bad <= 20:
        print("FAIL:", msg)


def ranges(s):
    out = set()
    for p in s.split(",") if s != "-" else []:
        a, _, b = p.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def payloads(path):
    """UDP payloads of a raw-IP pcap written by truncated.py, by frame."""
    import struct
    buf = open(path, "rb").read()
    off, n = 24, 0
    while off + 16 <= len(buf):
        caplen = struct.unpack("<I", buf[off + 8:off + 12])[0]
        ip = buf[off + 16:off + 16 + caplen]
        off += 16 + caplen
        n += 1
        if ip[0] >> 4 == 4:
            hl = (ip[0] & 15) * 4
        else:
            nxt, hl = ip[6], 40
            while nxt in (0, 43, 60):
                nxt, hl = ip[hl], hl + (ip[hl + 1] + 1) * 8
        yield n, ip[hl + 8:]


for line in open("MANIFEST"):
    f, frames, flagged = line.split()
    frames, flagged = int(frames), ranges(flagged)
    by_frame = {}
    for n, l in enumerate(open(f + ".json", encoding="utf-8"), 1):
        try:
            o = json.loads(l)
        except ValueError:
            fail("%s.json line %d: not JSON: %r" % (f, n, l[:120]))
            continue
        by_frame.setdefault(o.get("frame"), []).append(o)
    njson = sum(1 for _ in open(f + ".json", encoding="utf-8"))
    nvtxt = sum(1 for _ in open(f + ".vtxt", encoding="utf-8", errors="replace"))
    if njson != nvtxt:
        fail("%s: %d JSON lines but %d text lines with -v" % (f, njson, nvtxt))
    missing = [i for i in range(1, frames + 1) if i not in by_frame]
    if missing:
        fail("%s: %d frames without a line, first %d" % (f, len(missing), missing[0]))
    quiet = [i for i in sorted(flagged)
             if i in by_frame and not any("decode_status" in o for o in by_frame[i])]
    if quiet:
        fail("%s: %d cut frames not flagged, first %d: %s" %
             (f, len(quiet), quiet[0], by_frame[quiet[0]][0]))
    if f.startswith("short-"):
        for i, p in payloads(f):
            ev = by_frame.get(i, [{}])[0]
            want = None
            if 8 <= len(p) < 20 and p[0] < 0x40 and p[4:8] == COOKIE:
                want = "stun"
            elif 6 <= len(p) < 78 and p[:6] == "TS\U0001f4ac".encode():
                want = "disco"
            if want and (ev.get("type") != want or ev.get("decode_status") != "truncated"):
                fail("%s frame %d (%d bytes): want %s truncated, got %s" %
                     (f, i, len(p), want, ev))
    st = {"truncated": 0, "malformed": 0}
    for evs in by_frame.values():
        if evs and evs[0].get("decode_status") in st and evs[0].get("type") not in (
                "tls_client_hello", "tls_server_hello", "http_request",
                "http_response", "ingress"):
            st[evs[0]["decode_status"]] += 1
    summ = open(f + ".sum", encoding="utf-8").read()
    if not re.search(r"^  packets +%d \(" % frames, summ, re.M):
        fail("%s: summary does not count %d packets" % (f, frames))
    dump = open(f + ".dump", encoding="utf-8").read()
    if not re.search(r"^  packets +%d \(" % frames, dump, re.M):
        fail("%s: fwatch dump does not count %d packets" % (f, frames))
    m = re.search(r"problems +(\d+) malformed, (\d+) truncated frames", dump)
    got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if got != (st["malformed"], st["truncated"]):
        fail("%s: fwatch counts %d malformed, %d truncated; fdecode %d, %d" %
             (f, got[0], got[1], st["malformed"], st["truncated"]))
print("checked", sum(1 for _ in open("MANIFEST")), "captures")
sys.exit(1 if bad else 0)
EOF

frames=$(awk '{n += $2} END {print n}' MANIFEST)
echo "$runs runs over $frames frames (step $step), $fail failed"
[ "$fail" -eq 0 ]
