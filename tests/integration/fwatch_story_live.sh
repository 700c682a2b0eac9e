#!/bin/bash
# fwatch_story_live.sh - fwatch's stories live (issue 13 item 3): the
# reference funnel in three namespaces (client -> fedge ==WireGuard==>
# fnode --tun -> backend on the node's lo); in the node's namespace
# `fwatch --dump -i un0 -i lo --wg-keylog node-wg.keys` captures the
# underlay and lo at once, while fnode writes its key log as the handshake
# happens (fwatch reads it again as it grows). N requests, each from its
# own client port to its own path; the dump must show every one joined:
# the relay exact (the decrypted session), the ingress whose Src is the
# port that asked (the node's log is the truth), answer 101, the loopback
# request address+time, and a STAGES cell with its stretches. Beside it, a
# second fwatch without keys over the underlay, the node's TUN and lo: the
# same requests joined, the relay by time; and fdecode --correlate live on
# un0 and lo: the same stories. Then the merge's pace: a flood
# on lo while un0 is quiet. About 20 s.
# Root (namespaces, TUN); skips (77) otherwise.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_ns_test fwatch_story_live tun ip curl openssl python3 wg ss
D=$FL_DIR
N=${FWATCH_STORY_LIVE_N:-4}

NC=fwc$$ NE=fwe$$ NN=fwn$$ TUN=fwt$$
fl_ns_funnel "$NC" "$NE" "$NN"
fl_wg_pair
nsl_bg "$NN" python3 "$FSC_SRC/tests/integration/lib/funnel_backend.py" "$FL_BE" "$D/backend.jsonl"
nsl_bg "$NN" sh -c "exec '$FSC_BIN/fnode' --serve-config '$D/serve.json' --certs '$D/certs' \
	--wg-config '$D/node.conf' --tun $TUN --wg-keylog '$D/node-wg.keys' \
	--peerapi 100.64.0.2:46187 --edge 100.64.0.1 >/dev/null 2>>'$D/node.log'"
nsl_bg "$NE" sh -c "exec '$FSC_BIN/fedge' --listen 198.18.1.2:$FL_PUB --wg-config '$D/edge.conf' \
	--route '$FL_NAME=100.64.0.2:46187' >/dev/null 2>>'$D/edge.log'"
nsl_listening "$NN" 46187 && nsl_listening "$NE" "$FL_PUB" && nsl_listening "$NN" "$FL_BE" ||
	{ cat "$D"/*.log; nsl_die "a listener did not come up"; }
[ -f "$D/node-wg.keys" ] || nsl_die "fnode wrote no key log"

# fwatch first: the WireGuard handshake happens with the first request, so
# its keys reach the key log while fwatch runs.
nsl_bg "$NN" "$FSC_BIN/fwatch" -n --no-geoip --dump 10 --details -i un0 -i lo \
	--wg-keylog "$D/node-wg.keys" -f "udp or tcp port $FL_BE" >"$D/dump" 2>"$D/fwatch.err"
FW=$NSL_PID
nsl_bg "$NN" "$FSC_BIN/fwatch" -n --no-geoip --dump 10 --details -i un0 -i "$TUN" -i lo \
	-f "udp or tcp port $FL_BE or tcp port 46187" >"$D/dump-nokeys" 2>"$D/fwatch-nokeys.err"
FW2=$NSL_PID
# And fdecode --correlate live the same way (the same merge and key log).
nsl_bg "$NN" "$FSC_BIN/fdecode" -n -q --no-geoip --correlate --json -i un0 -i lo \
	--wg-keylog "$D/node-wg.keys" "udp or tcp port $FL_BE" >"$D/fdecode.json" 2>"$D/fdecode.err"
FD=$NSL_PID
# Their seven capture sockets are open (ss lists packet sockets with their
# process).
nsl_wait_for 10 sh -c "[ \$(ip netns exec '$NN' ss -0 -p | grep -c 'fwatch\|fdecode') -ge 7 ]" ||
	bad "fwatch did not open its captures: $(cat "$D/fwatch.err" "$D/fwatch-nokeys.err")"
t0=$(date +%s)
ports=""
for i in $(seq "$N"); do
	p=$((40000 + $$ % 10000 + i))
	ports="$ports $p"
	ip netns exec "$NC" curl -sS -o /dev/null --max-time 10 --local-port "$p" --cacert "$D/ca.crt" \
		--resolve "$FL_NAME:443:198.18.1.2" "https://$FL_NAME/echo?live=$i" || bad "curl $i"
done
# The dumps come after their 10 s; bounded wait.
for pid in $FW $FW2; do
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && bad "fwatch --dump 10 still running after 20 s"
	wait "$pid" 2>/dev/null
	rc=$?
	[ "$rc" -eq 0 ] || bad "fwatch exit $rc: $(cat "$D/fwatch.err" "$D/fwatch-nokeys.err")"
done
ok "$N requests in $(( $(date +%s) - t0 )) s while two fwatch watched un0, $TUN and lo"

stories() {	# DUMP RELAY_JOIN INGRESS_IFACE
	python3 - "$1" "$D/node.log" "$N" "$2" "$3" <<'PY'
import re, sys
dump, log, n, relay, inif = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
text = open(dump).read()
truth = {}
for line in open(log):
    m = re.search(r" request client=[0-9.]+:(\d+) .*target=(/echo\?live=\d+)", line)
    if m:
        truth[m.group(2)] = m.group(1)
errs = []
if len(truth) != n:
    errs.append("the node served %d requests, want %d" % (len(truth), n))
rows = {}
sec = text.split("== Requests")[1].split("\n\n")[0].splitlines()[1:]
if not sec or sec[0].split()[-1] != "STAGES":
    errs.append("no STAGES column")
for r in sec[1:]:
    f = r.split()
    rows[f[7]] = f[-1]
for target, port in sorted(truth.items()):
    blk = [b for b in text.split("== Detail #")[1:] if re.search(r"GET %s HTTP" % re.escape(target), b)]
    if len(blk) != 1:
        errs.append("%s: %d Detail blocks" % (target, len(blk)))
        continue
    b = blk[0]
    # each side names the interface it was seen on (the observation point)
    need = [r"Story +#\d+, the public request end to end\n",
            r"Relay +198\.18\.0\.1:51820 .*session \d+ peer \d+ %s\[%s\] \(un0\)\n" % (r"key \S+ " if relay == "exact" else "", relay),
            r"Ingress +src 198\.18\.1\.1:%s target %s:443 answer 101 node 100\.64\.0\.2:46187 \(%s\)\n" % (port, re.escape("node.example.test"), re.escape(inif)),
            r"TLS +sni node\.example\.test alpn \S+ .*\[exact\]",
            r"Loopback +GET node\.example\.test%s 200 \d+ bytes, request 1 by xff-single \[address\+time\] \(lo\)\n" % re.escape(target),
            r"Stages +ingress [0-9.]+  tls [0-9.]+  to_backend [0-9.]+  first_byte [0-9.]+  last_byte [0-9.]+  total [0-9.]+ ms"]
    for pat in need:
        if not re.search(pat, b):
            errs.append("%s: no line like /%s/" % (target, pat))
    if not re.fullmatch(r"i[0-9.]+/t[0-9.]+/b[0-9.]+/f[0-9.]+/l[0-9.]+", rows.get(target, "")):
        errs.append("%s: STAGES cell %r" % (target, rows.get(target)))
for e in errs:
    print("  " + e)
sys.exit(1 if errs else 0)
PY
}
kill -INT "$FD" 2>/dev/null
for _ in $(seq 100); do kill -0 "$FD" 2>/dev/null || break; sleep 0.1; done
wait "$FD" 2>/dev/null
python3 - "$D/fdecode.json" "$D/node.log" "$N" <<'PY' &&
import json, re, sys
truth = {}
for line in open(sys.argv[2]):
    m = re.search(r" request client=[0-9.]+:(\d+) .*target=(/echo\?live=\d+)", line)
    if m:
        truth[m.group(2)] = int(m.group(1))
got = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "story" and "request" in o:
        got[o["request"]["target"]] = o
bad = [t for t, p in truth.items() if t not in got or got[t]["relay"]["join"] != "exact"
       or got[t].get("ingress", {}).get("client_port") != p or got[t]["request"]["join"] != "address+time"
       # each side's observation point: the interface it was seen on
       or (got[t]["relay"].get("iface"), got[t]["ingress"].get("iface"), got[t]["request"].get("iface"))
          != ("un0", "un0", "lo")]
print("  fdecode: %d stories of %d requests; wrong or unjoined: %s" % (len(got), len(truth), bad))
sys.exit(1 if bad or len(truth) != int(sys.argv[3]) else 0)
PY
	ok "fdecode --correlate live on un0 and lo: the same stories (relay exact, ingress by port), each side naming its interface" ||
	bad "fdecode --correlate live: $(cat "$D/fdecode.err"; head -c 600 "$D/fdecode.json")"
stories "$D/dump" exact un0 && ok "live over un0 and lo with the key log read as it grew: every request's story joined (relay exact, ingress by its port, loopback address+time) with its stage figures" ||
	bad "the live stories with keys (dump in $D/dump)"
stories "$D/dump-nokeys" 'time(\+size(\+peer)?)?' "$TUN" && ok "live over un0, the TUN and lo without keys: every request joined, the relay by time (and size)" ||
	bad "the live stories without keys (dump in $D/dump-nokeys)"
# The merge by time holds a frame only until it is old enough, never a
# frame each hold: 3000 datagrams on lo (and their 3000 ICMP answers) while
# un0 is quiet are all decoded within the dump's 5 s (with a frame each
# hold it would be a few dozen).
nsl_bg "$NN" "$FSC_BIN/fwatch" -n --no-geoip --dump 5 -i lo -i un0 -f "udp port 9 or icmp" \
	>"$D/flood" 2>&1
FW3=$NSL_PID
nsl_wait_for 10 sh -c "[ \$(ip netns exec '$NN' ss -0 -p | grep -c fwatch) -ge 2 ]"
ip netns exec "$NN" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"x" * 64, ("127.0.0.1", 9))
'
for _ in $(seq 150); do kill -0 "$FW3" 2>/dev/null || break; sleep 0.1; done
wait "$FW3" 2>/dev/null
got=$(sed -n 's/^  packets *\([0-9]*\) .*/\1/p' "$D/flood")
[ "${got:-0}" -ge 6000 ] && ok "merge by time keeps up: $got packets from lo decoded while un0 was quiet" ||
	bad "merge by time: ${got:-no} packets of 6000 decoded in 5 s: $(head -5 "$D/flood")"
[ $fail -eq 0 ] || { echo "--- node.log"; cat "$D/node.log"; echo "--- dump"; sed -n '/== Requests/,/== Clients/p' "$D/dump"; }
exit $fail
