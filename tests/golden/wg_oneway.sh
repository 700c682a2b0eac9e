#!/bin/sh
# One-sided WireGuard captures (issue 15 item 8; made by tests/gen/oneway.sh
# with 'src host A' over the real captures): every peer's health is
# "one-way-capture", never "ok" or "no-handshake-seen"; each session's
# initiator is the source of its initiation (index and endpoint) and its
# responder the source of its response, and there are as many sessions as
# in the whole capture (transport after an initiation whose response was
# filtered out joins that handshake). In the whole captures no peer may be
# called one-way-capture. Skips (77) without python3.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
n=0
for cap in "$FSC_SRC"/captures/oneway/*.pcap "$FSC_SRC/captures/wg-tunnel.pcap" \
	"$FSC_SRC/captures/wg-ours-go.pcap"; do
	n=$((n + 1))
	whole=$cap
	case "$cap" in
	*/oneway/*)
		want=one-way-capture
		whole=$(basename "$cap" | sed 's/-src[0-9]*\.pcap$/.pcap/')
		whole="$FSC_SRC/captures/$whole"
		;;
	*) want=both ;;
	esac
	sessions=$("$FSC_BIN/fdecode" -n --json --summary "$whole" | grep -c '"type":"wg_session"')
	if ! "$FSC_BIN/fdecode" -n --json --summary "$cap" >"$out/j" 2>"$out/e"; then
		echo "FAIL: fdecode $cap:"
		cat "$out/e"
		fail=$((fail + 1))
		continue
	fi
	if ! python3 - "$out/j" "$want" "$sessions" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
want = sys.argv[2]
def ep(o):
    a = o["src"]
    return ("[%s]:%d" if ":" in a else "%s:%d") % (a, o["sport"])
sess = {o["session"]: o for o in lines if o.get("type") == "wg_session"}
peers = [o for o in lines if o.get("type") == "wg_peer"]
pairs, bad = {}, []
for o in lines:
    if o.get("type") == "wg" and "session" in o:
        pairs.setdefault(o["session"], set()).add(frozenset((o["src"], o["dst"])))
for o in lines:
    if o.get("type") != "wg" or o.get("msg") not in ("initiation", "response"):
        continue
    s = sess[o["session"]]
    role = "initiator" if o["msg"] == "initiation" else "responder"
    if s.get(role + "_index") != o["sender"]:
        bad.append("session %d: %s index %s, the %s's sender %d" %
                   (s["session"], role, s.get(role + "_index"), o["msg"], o["sender"]))
    # A session that roamed has moved on from the endpoint that started it.
    if len(pairs[o["session"]]) == 1 and s[role] != ep(o):
        bad.append("session %d: %s %s, the %s came from %s" %
                   (s["session"], role, s[role], o["msg"], ep(o)))
for p in peers:
    if want == "both" and p["health"] == "one-way-capture":
        bad.append("peer %d called one-way-capture in a whole capture" % p["peer"])
    if want != "both" and p["health"] != want:
        bad.append("peer %d: health %s (%s), want %s" %
                   (p["peer"], p["health"], p.get("health_reason", ""), want))
if len(sess) != int(sys.argv[3]):
    bad.append("%d sessions, the whole capture has %s" % (len(sess), sys.argv[3]))
if not peers or not sess:
    bad.append("no peers or sessions")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
	then
		echo "FAIL: $cap"
		fail=$((fail + 1))
	fi
done
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
