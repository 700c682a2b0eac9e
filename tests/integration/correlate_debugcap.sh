#!/bin/bash
# correlate_debugcap.sh - stories without any key (issue 13): the reference
# funnel with two edges (two relays, two WireGuard sessions into one node)
# in three namespaces, fnode over lwIP writing `tailscale debug capture`
# (--debug-capture), the node's underlay and lo captured. Then
#   - the debug capture alone: LINKTYPE_USER0, every record from-peer or
#     synth-to-peer, the ingress handshakes decoded (POST /v0/ingress, 101,
#     ClientHello) as many as the node logged; tshark, told that USER0 is
#     a 4-byte header then IP, counts the same POSTs, 101s and
#     ClientHellos;
#   - the stories from (debug capture + lo, no key) against those from
#     (key log + underlay + lo): the same Ingress-Src, loopback request,
#     ingress status and ingress stage (within 20 ms) for every request of
#     the node's log; none differs;
#   - with the key log and the debug capture both: one story a request (the
#     decrypted view kept);
#   - (underlay + debug capture + lo, no key): the relay joined by timing and
#     size ("time+size"); against the decrypted truth none is wrong; the
#     stories whose relay time alone left ambiguous (two sessions in the
#     window) and size made single are counted;
#   - stage times against fnode's log over lwIP: tunnel, ingress and
#     tls_done at the WireGuard datagram (key log) and at the inner packet
#     (debug capture): every story within 25 ms, the median within 1 ms.
# CORRELATE_DEBUGCAP_LOAD="A K P" scales the load (default "12 3 6": A client
# addresses, half through each edge, each two curl runs of K requests on one
# connection, P runs at once). Root (namespaces); skips (77) otherwise.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_ns_test correlate_debugcap ip curl openssl python3 wg ss tcpdump
D=$FL_DIR
set -- ${CORRELATE_DEBUGCAP_LOAD:-12 3 6}
LA=$1 LK=$2 LP=$3

NC=fdc$$ NE=fde$$ NN=fdn$$
fl_ns_funnel "$NC" "$NE" "$NN"
ip -n "$NE" addr add 198.18.1.3/24 dev ue1
for a in $(seq "$LA"); do ip -n "$NC" addr add "198.18.1.$((9 + a))/24" dev uc0; done
(umask 077; for k in a b n; do wg genkey >"$D/$k.key"; done)
# Edge a: public 198.18.1.2, tunnel 100.64.0.1, underlay port 51820; edge
# b: 198.18.1.3, 100.64.0.3, 51822. The node: 100.64.0.2, port 51821.
fl_wg_conf n 51821 100.64.0.2 a 100.64.0.1 198.18.0.1:51820 \
	b 100.64.0.3 198.18.0.1:51822 >"$D/node.conf"
fl_wg_conf a 51820 100.64.0.1 n 100.64.0.2 198.18.0.2:51821 >"$D/edge-a.conf"
fl_wg_conf b 51822 100.64.0.3 n 100.64.0.2 198.18.0.2:51821 >"$D/edge-b.conf"

CAPS=""
cap() {	# NS IF FILE FILTER
	nsl_capture_start "$1" "$2" "$3" "$4"
	CAPS="$CAPS $NSL_PID"
}
cap "$NN" un0 "$D/underlay.pcap" udp
cap "$NN" lo "$D/lo.pcap" "tcp port $FL_BE"
nsl_bg "$NN" python3 "$FSC_SRC/tests/integration/lib/funnel_backend.py" "$FL_BE" "$D/backend.jsonl"
nsl_bg "$NN" sh -c "exec '$FSC_BIN/fnode' --serve-config '$D/serve.json' --certs '$D/certs' \
	--wg-config '$D/node.conf' --lwip --wg-keylog '$D/node-wg.keys' \
	--debug-capture '$D/node-debug.pcap' \
	--peerapi 100.64.0.2:46187 --edge 100.64.0.1 --edge 100.64.0.3 >/dev/null 2>>'$D/node.log'"
for e in a b; do
	[ $e = a ] && pubip=198.18.1.2 || pubip=198.18.1.3
	nsl_bg "$NE" sh -c "exec '$FSC_BIN/fedge' --listen $pubip:$FL_PUB --wg-config '$D/edge-$e.conf' \
		--route '$FL_NAME=100.64.0.2:46187' >/dev/null 2>>'$D/edge-$e.log'"
done
nsl_listening "$NE" "$FL_PUB" && nsl_listening "$NN" "$FL_BE" ||
	{ cat "$D"/*.log; nsl_die "a listener did not come up"; }

# The load: "ADDR RUN" lines, each a curl of K requests on one connection,
# odd addresses through edge a, even through edge b.
one_run() {	# ADDR RUN
	local k paths=""
	for k in $(seq "$LK"); do paths="$paths echo?r=$1-$2-$k"; done
	# shellcheck disable=SC2086
	fl_load_curl "$NC" "$1" "198.18.1.$((2 + ($1 + 1) % 2))" $paths
}
export -f one_run
export NC LK
t0=$(date +%s)
fl_load_runs "$LA" 2 | fl_load "$LP" one_run || bad "a curl of the load failed"
N=$(grep -c ' request .*target=/echo?r=' "$D/node.log")
ok "load: $N requests from $LA addresses through two edges in $(( $(date +%s) - t0 )) s"
sleep 0.5
for pid in $CAPS; do nsl_stop "$pid"; done

F=$FSC_BIN/fdecode
# The debug capture as fdecode reads it: while fnode still runs (each
# record is written at once), and after.
"$F" -n --json "$D/node-debug.pcap" >"$D/debug.json" 2>"$D/err" || bad "fdecode debug capture: $(cat "$D/err")"
python3 - "$D/node-debug.pcap" "$D/debug.json" "$D/node.log" <<'PY' && ok "debug capture: pcap LINKTYPE_USER0, every record from-peer or synth-to-peer; the ingress POSTs, 101s and ClientHellos fdecode decodes are as many as the node logged" || bad "debug capture decode"
import json, struct, sys
cap, path, log = sys.argv[1:4]
b = open(cap, "rb").read()
magic, vmaj, vmin, _, _, snap, lt = struct.unpack("<IHHiIII", b[:24])
paths = {}
at, recs = 24, 0
while at + 16 <= len(b):
    _, _, incl, orig = struct.unpack("<IIII", b[at:at + 16])
    body = b[at + 16:at + 16 + incl]
    p, sn, dn = struct.unpack("<HBB", body[:4])
    paths[p] = paths.get(p, 0) + 1
    assert sn == 0 and dn == 0 and incl == orig and body[4] >> 4 in (4, 6)
    at += 16 + incl
    recs += 1
posts = ups = hellos = 0
for line in open(path):
    o = json.loads(line)
    t = o.get("type")
    if t == "http_request" and o.get("uri") == "/v0/ingress":
        posts += 1
    elif t == "http_response" and o.get("status") == 101:
        ups += 1
    elif t == "tls_client_hello":
        hellos += 1
ingress = sum(1 for l in open(log) if " ingress " in l)
print("  %d records, paths %s; POST %d, 101 %d, ClientHello %d; the node logged %d ingress" % (recs, paths, posts, ups, hellos, ingress))
sys.exit(0 if (magic, vmaj, vmin, snap, lt) == (0xa1b2c3d4, 2, 4, 65535, 147) and at == len(b) and
         set(paths) == {1, 3} and posts == ups == hellos == ingress and ingress > 0 else 1)
PY

# tshark as the oracle on the same file: told that USER0 is a 4-byte header
# (the tscap header with no NAT addresses) then IP, it reads the ingress
# POSTs (their Tailscale-Ingress-Src), the 101s and the ClientHellos.
if command -v tshark >/dev/null; then
	TS=(tshark -n -o 'uat:user_dlts:"User 0 (DLT=147)","ip","4","","0",""' -r "$D/node-debug.pcap")
	"${TS[@]}" -Y 'http.request.uri == "/v0/ingress"' -T fields -e http.request.line 2>/dev/null |
		grep -o 'Tailscale-Ingress-Src: [^\\]*' | sed 's/.*: //' | sort >"$D/ts-src.txt"
	ts101=$("${TS[@]}" -Y 'http.response.code == 101' 2>/dev/null | wc -l)
	tshello=$("${TS[@]}" -Y 'tcp.dstport == 46187 && tcp.payload[0] == 0x16 && tcp.payload[5] == 0x01' 2>/dev/null | wc -l)
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") == "ingress" and "ingress_src" in o:
        print(o["ingress_src"])' "$D/debug.json" | sort >"$D/fd-src.txt"
	n_src=$(wc -l <"$D/ts-src.txt")
	[ "$n_src" -gt 0 ] && cmp -s "$D/ts-src.txt" "$D/fd-src.txt" && [ "$ts101" -eq "$n_src" ] && [ "$tshello" -eq "$n_src" ] &&
		ok "tshark on the debug capture (USER0 as 4 bytes + IP): the same $n_src Ingress-Src as fdecode, $ts101 101s, $tshello ClientHellos" ||
		bad "tshark: $n_src Src ($(diff "$D/ts-src.txt" "$D/fd-src.txt" | head -4)), $ts101 101s, $tshello hellos"
fi

# Stories: debug capture + lo with no key (A), key log + underlay + lo (B),
# underlay + debug capture + lo with no key (C).
"$F" -n -q --correlate --json "$D/node-debug.pcap" "$D/lo.pcap" >"$D/a.json" 2>"$D/err" || bad "stories A: $(cat "$D/err")"
"$F" -n -q --correlate --json --wg-keylog "$D/node-wg.keys" "$D/underlay.pcap" "$D/lo.pcap" >"$D/b.json" 2>"$D/err" || bad "stories B: $(cat "$D/err")"
"$F" -n -q --correlate --json "$D/underlay.pcap" "$D/node-debug.pcap" "$D/lo.pcap" >"$D/c.json" 2>"$D/err" || bad "stories C: $(cat "$D/err")"
# Both views of each ingress (decrypted and the debug capture): one story
# each, the decrypted view's (exact).
"$F" -n -q --correlate --json --wg-keylog "$D/node-wg.keys" "$D/underlay.pcap" "$D/node-debug.pcap" "$D/lo.pcap" >"$D/d.json" 2>"$D/err" || bad "stories D: $(cat "$D/err")"
both=$(grep -c '"type":"story".*"relay":{"join":"exact"' "$D/d.json")
[ "$(grep -c '"type":"story"' "$D/d.json")" -eq "$N" ] && [ "$both" -eq "$N" ] &&
	ok "key log + underlay + debug capture + lo: $N stories, one per request, each the decrypted view (relay exact)" ||
	bad "two views: $(grep -c '"type":"story"' "$D/d.json") stories, $both exact, want $N"
python3 - "$D" <<'PY' || fail=1
import json, re, sys
d = sys.argv[1]
def stories(name):
    r = {}
    for line in open("%s/%s.json" % (d, name)):
        o = json.loads(line)
        if o.get("type") == "story" and o.get("request", {}).get("target", "").startswith("/echo?r="):
            r[o["request"]["target"]] = o
    return r
truth = {}   # target -> (client ip, port)
for line in open(d + "/node.log"):
    m = re.search(r" request client=([0-9.]+):(\d+) .*target=(/echo\?r=\S+)", line)
    if m:
        truth[m.group(3)] = (m.group(1), int(m.group(2)))
a, b, c = stories("a"), stories("b"), stories("c")
# the relay each client address went through: odd addresses edge a (51820)
def relay_port(ip):
    return 51820 if (int(ip.split(".")[3]) - 9) % 2 == 1 else 51822
same = differ = 0
worst = 0.0
fail = False
for t, (ip, port) in sorted(truth.items()):
    sa, sb = a.get(t), b.get(t)
    why = []
    if not sa or not sb:
        why.append("no story" + (" without key" if not sa else " with key"))
    else:
        for s, lab in ((sa, "A"), (sb, "B")):
            if (s["ingress"].get("client"), s["ingress"].get("client_port")) != (ip, port):
                why.append("%s Ingress-Src %s:%s" % (lab, s["ingress"].get("client"), s["ingress"].get("client_port")))
        for k in ("src", "target", "status"):
            if sa["ingress"].get(k) != sb["ingress"].get(k):
                why.append("ingress %s %s / %s" % (k, sa["ingress"].get(k), sb["ingress"].get(k)))
        for k in ("method", "host", "target", "status", "client", "index", "join"):
            if sa["request"].get(k) != sb["request"].get(k):
                why.append("request %s %s / %s" % (k, sa["request"].get(k), sb["request"].get(k)))
        ia, ib = sa["stages"].get("ingress"), sb["stages"].get("ingress")
        if ia is None or ib is None or abs(ia - ib) > 0.02:
            why.append("ingress stage %s / %s" % (ia, ib))
        else:
            worst = max(worst, abs(ia - ib))
        if sb["relay"]["join"] != "exact" or sb["relay"].get("port") != relay_port(ip):
            why.append("keyed relay %s %s" % (sb["relay"]["join"], sb["relay"].get("port")))
    if why:
        differ += 1
        print("  %s: %s" % (t, "; ".join(why)))
    else:
        same += 1
print("  %d requests in the node's log: %d stories the same without a key (debug capture + lo) as with it (key log + underlay + lo), %d differ; ingress stage at most %.3f ms apart" % (len(truth), same, differ, worst * 1000))
if differ or not truth:
    fail = True
else:
    print("ok: debug capture + lo without a key: the same Ingress-Src, loopback request and ingress stage as the key log gives, for all %d requests" % same)
# The relay without a key: by time, then size, then the tunnel address.
kinds = {}
right = wrong = 0
by_size = {}   # kind -> stories time alone left ambiguous
for t, (ip, port) in truth.items():
    s = c.get(t)
    r = s["relay"] if s else {"join": "missing"}
    kinds[r["join"]] = kinds.get(r["join"], 0) + 1
    if "port" in r:
        if r["port"] == relay_port(ip) and r["addr"] == "198.18.0.1":
            right += 1
        else:
            wrong += 1
            print("  wrong relay: %s joined %s:%s by %s" % (t, r["addr"], r["port"], r["join"]))
    if r["join"].startswith("time+size") and r.get("time_candidates", 0) > 1:
        by_size[r["join"]] = by_size.get(r["join"], 0) + 1
amb_time = sum(1 for s in c.values() if s["relay"].get("time_candidates", 0) > 1)
print("  relay without a key (underlay + debug capture + lo): %s; right %d, wrong %d; of %d that time alone left ambiguous, %s" % (
    ", ".join("%s %d" % kv for kv in sorted(kinds.items())), right, wrong, amb_time,
    ", ".join("%d joined %s" % (v, k) for k, v in sorted(by_size.items())) or "none joined by size"))
# Two relays under concurrent load: time alone is ambiguous for some, and
# size must single some of those out.
if wrong or kinds.get("missing") or not by_size:
    fail = True
else:
    print("ok: relay by time+size without a key: %d of %d right, 0 wrong" % (right, len(truth)))
sys.exit(1 if fail else 0)
PY

# Stage times against fnode's log over lwIP: with the key log the
# WireGuard datagrams' moments (t_tunnel, t_tls_done: the SYN's and the
# Finished's datagram received; t_ingress: the 101's sent), from the debug
# capture the inner packets' (t_*_inner: handed to lwIP, or written to it);
# every story within 25 ms, the median within 1 ms (correlate_truth.py
# timing; figures printed).
T=$FSC_SRC/tests/integration/lib/correlate_truth.py
HOLDS=""
for s in tunnel ingress tls_done request; do HOLDS="$HOLDS each@25:$s median:$s"; done
# shellcheck disable=SC2086
python3 "$T" timing "lwip, key log" "$D/b.json" "$D/node.log" /dev/null 1 $HOLDS &&
	ok "lwip, key log: the tunnel's stages at the WireGuard datagram within 25 ms of the log in every story, the median within 1 ms" ||
	bad "lwip, key log: stage times beyond the bounds"
# shellcheck disable=SC2086
python3 "$T" timing "lwip, debug capture" "$D/a.json" "$D/node.log" /dev/null 1 inner $HOLDS &&
	ok "lwip, debug capture: the tunnel's stages at the inner packet within 25 ms of the log in every story, the median within 1 ms" ||
	bad "lwip, debug capture: stage times beyond the bounds"

[ $fail -eq 0 ] || { echo "--- node.log"; tail -20 "$D/node.log"; }
[ -n "${CORRELATE_DEBUGCAP_KEEP:-}" ] && cp -r "$D/." "$CORRELATE_DEBUGCAP_KEEP/"
exit $fail
