#!/bin/bash
# correlate_lab.sh - fdecode --correlate against ground truth (issue 13):
# the reference funnel in three namespaces (client -> fedge ==WireGuard==>
# fnode --tun -> backend on the node's lo), the underlay captured at both
# ends and the node's lo apart. N requests from distinct client ports, each
# to its own path; then
#   - with the node's key log and the edge's public side: exactly N
#     stories, one per client port, each with the path that port asked for
#     (the node's log is the truth), the edge joined address+time, the relay
#     exact (decrypted session), the request address+time, stage times in
#     order and the ingress stage within 50 ms of the node's log line;
#   - without keys, the TUN capture instead of the underlay: the same N
#     stories, the relay joined by time and size;
#   - the edge's underlay capture shifted by editcap -t: the estimated clock
#     offset is the shift within 0.2 s, and --clock-offset with the estimate
#     brings back N exact stories;
#   - a mixed load after them: A client addresses, each making J curl runs
#     of K requests on one connection (keep-alive), P runs at once, half of
#     the addresses twice at once (two connections of one address), every
#     fifth run with a slow backend (its last request waits 300 ms for its
#     head): every request a story, none joined wrong (the node's log is
#     the truth); the shares of correct, ambiguous (two connections of one
#     address at once: X-Forwarded-For has no port) and unjoined (the
#     ingress not decoded) are printed, with and without the key log.
#     Two connections of one address are told apart by the data rule
#     (address+data) when only one had sent its client's data before the
#     request: every such join is checked against tshark's reading of the
#     TUN capture (that connection's client had sent a record of
#     application data before the request) as well as the node's log.
#     With the node's TLS key log too (fnode --tls-keylog), from the
#     underlay or the TUN capture, every request joined exact (the
#     decrypted ingress stream names it), none ambiguous, none wrong;
#     CORRELATE_LAB_LOAD="A J K P" scales it (default "8 2 3 4": 48
#     requests and 24 more from the doubled addresses; scripts/
#     lab-correlate.sh runs "50 3 5 8": 1125 and more);
#   - refusals, each told as the edge's log says: an unknown SNI and a
#     burst over the edge's per-source --rate (refused at the edge: no
#     story), a Target not in AllowFunnel (the node answers 403: a story
#     with no request), a name allowed but with no Web entry (101, then the
#     node refuses its TLS: a story with TLS and no request);
#   - stage times against the logs: fedge's t_edge and fnode's t_STAGE
#     keys (microseconds, the kernel's receive or transmit time of the
#     packet the capture shows; without keys fnode's t_STAGE_inner, the
#     inner side's) for every story joined right: |log - capture| within
#     CORRELATE_LAB_EACH_MS in every story (25; 1 in lab-correlate) and
#     CORRELATE_LAB_BOUND_MS (1) at the median; p50/p99/max printed.
#   The mixed load is joined twice without keys: pooled (the default
#   --proxy-model) and per-connection (fnode's own proxy: each client
#   connection its own backend connection). CORRELATE_LAB_POOL=N runs fnode
#   --backend-pool N instead (backend connections shared, as tailscaled's
#   are: correlate_lab_pool.sh): then only pooled is held to none wrong.
# CORRELATE_LAB_KEEP=DIR keeps the captures, logs and stories.
# Root (namespaces, TUN); skips (77) otherwise.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_ns_test correlate_lab tun ip curl openssl python3 wg ss tcpdump editcap
D=$FL_DIR
N=8
SHIFT=3.5

NC=fcc$$ NE=fce$$ NN=fcn$$ TUN=fct$$
fl_ns_funnel "$NC" "$NE" "$NN"
set -- ${CORRELATE_LAB_LOAD:-8 2 3 4}
LA=$1 LJ=$2 LK=$3 LP=$4
for a in $(seq "$LA"); do ip -n "$NC" addr add "198.18.1.$((9 + a))/24" dev uc0; done
ip -n "$NC" addr add 198.18.1.250/24 dev uc0	# the refusals' client
BOUND_MS=${CORRELATE_LAB_BOUND_MS:-1}
# nocert.example.test: funnel allowed, no Web entry (its TLS is refused)
sed -i 's/"AllowFunnel": {/"AllowFunnel": { "nocert.example.test:443": true,/' "$D/serve.json"
fl_wg_pair

CAPS=""
cap() {	# NS IF FILE [FILTER]
	nsl_bg "$1" tcpdump --immediate-mode -s 65535 -B 131072 -U -n -i "$2" -w "$3" ${4:+"$4"}
	CAPS="$CAPS $NSL_PID"
}
cap "$NN" un0 "$D/underlay.pcap" udp 2>/dev/null
cap "$NE" ue0 "$D/edge-underlay.pcap" udp 2>/dev/null
cap "$NN" lo "$D/lo.pcap" "tcp port $FL_BE" 2>/dev/null
cap "$NE" ue1 "$D/public.pcap" "tcp port $FL_PUB" 2>/dev/null
nsl_bg "$NN" python3 "$FSC_SRC/tests/integration/lib/funnel_backend.py" "$FL_BE" "$D/backend.jsonl"
nsl_bg "$NN" sh -c "exec '$FSC_BIN/fnode' --serve-config '$D/serve.json' --certs '$D/certs' \
	--wg-config '$D/node.conf' --tun $TUN --wg-keylog '$D/node-wg.keys' --tls-keylog '$D/node-tls.keys' \
	--peerapi 100.64.0.2:46187 --edge 100.64.0.1 ${CORRELATE_LAB_POOL:+--backend-pool $CORRELATE_LAB_POOL} \
	>/dev/null 2>>'$D/node.log'"
nsl_bg "$NE" sh -c "exec '$FSC_BIN/fedge' --listen 198.18.1.2:$FL_PUB --wg-config '$D/edge.conf' \
	--route '$FL_NAME=100.64.0.2:46187' \
	--route 'denied.example.test=100.64.0.2:46187' --route 'nocert.example.test=100.64.0.2:46187' \
	--rate 5 --burst 10 >/dev/null 2>>'$D/edge.log'"
nsl_listening "$NN" 46187 && nsl_listening "$NE" "$FL_PUB" && nsl_listening "$NN" "$FL_BE" ||
	{ cat "$D"/*.log; nsl_die "a listener did not come up"; }
cap "$NN" "$TUN" "$D/inner.pcap" 2>/dev/null
sleep 1

# N requests, one at a time, each from its own port to its own path.
ports=""
for i in $(seq "$N"); do
	p=$((40000 + $$ % 10000 + i))
	ports="$ports $p"
	ip netns exec "$NC" curl -sS -o /dev/null --max-time 20 --local-port "$p" --cacert "$D/ca.crt" \
		--resolve "$FL_NAME:443:198.18.1.2" "https://$FL_NAME/echo?n=$i" ||
		bad "curl $i from port $p"
done

# The mixed load: "ADDR RUN" lines, each a curl of K requests on one
# connection; the first half of the addresses run twice at once.
one_run() {	# ADDR RUN: every fifth run's last request has a slow backend
	local k path paths=""
	for k in $(seq "$LK"); do
		path="echo?r=$1-$2-$k"
		[ "$k" -eq "$LK" ] && [ $(( (${1} + ${2%-2}) % 5 )) -eq 0 ] && path="slow-head?ms=300&r=$1-$2-$k"
		paths="$paths $path"
	done
	# shellcheck disable=SC2086
	fl_load_curl "$NC" "$1" 198.18.1.2 $paths
}
export -f one_run
export NC LK
t0=$(date +%s)
fl_load_runs "$LA" "$LJ" twice | fl_load "$LP" one_run || bad "a curl of the load failed"
LOAD_N=$(grep -cE ' request .* target=/[a-z-]+\?([^ ]*&)?r=' "$D/node.log")
ok "mixed load: $LOAD_N requests from $LA addresses in $(( $(date +%s) - t0 )) s ($(grep -c 'target=/slow-head' "$D/node.log") slow)"

# Refusals, from 198.18.1.250: PORT KIND lines for the check.
refuse() {	# PORT NAME KIND
	ip netns exec "$NC" curl -sS -o /dev/null --max-time 10 --interface 198.18.1.250 --local-port "$1" --cacert "$D/ca.crt" \
		--resolve "$2:443:198.18.1.2" "https://$2/echo?refused" 2>/dev/null
	echo "198.18.1.250:$1 $3" >>"$D/refusals"
}
: >"$D/refusals"
rp=$((30000 + $$ % 5000))
refuse $((rp + 1)) unknown.example.test edge
refuse $((rp + 2)) denied.example.test node
refuse $((rp + 3)) nocert.example.test tls
# A burst of new connections from one source, beyond --rate 5 --burst 10,
# each from a port of its own: a port used twice (the kernel may give a
# closed connection's port again) would be a refused and a proxied
# connection under one name. All at once: the bucket must not refill.
burst=""
for i in $(seq 16); do
	ip netns exec "$NC" curl -sS -o /dev/null --max-time 10 --interface 198.18.1.250 \
		--local-port $((rp + 10 + i)) --cacert "$D/ca.crt" \
		--resolve "$FL_NAME:443:198.18.1.2" "https://$FL_NAME/echo?burst=$i" 2>/dev/null &
	burst="$burst $!"
done
# shellcheck disable=SC2086
wait $burst || true	# refused ones fail: the edge log says which
sleep 0.5
sed -n 's/.* conn client=\(198\.18\.1\.250:[0-9]*\) .*outcome=rate-limited.*/\1 edge/p' "$D/edge.log" >>"$D/refusals"
[ "$(grep -c ' edge$' "$D/refusals")" -ge 2 ] && ok "refusals made: $(awk '{print $2}' "$D/refusals" | sort | uniq -c | tr -s ' \n' ' ')" ||
	bad "refusals: $(cat "$D/refusals"; grep -c rate-limited "$D/edge.log")"
sleep 1
for pid in $CAPS; do nsl_stop "$pid"; done
ok "$N requests made through the lab ($(grep -c ' request ' "$D/node.log") in the node's log)"

F=$FSC_BIN/fdecode
T=$FSC_SRC/tests/integration/lib/correlate_truth.py
check() {	# LABEL RELAY_JOIN EDGE_JOIN JSON_FILE
	python3 "$T" exact "$1" "$4" "$D/node.log" "$D/edge.log" "$2" "$3" "$N" $ports
}

"$F" -n -q --correlate --json --wg-keylog "$D/node-wg.keys" "$D/public.pcap" "$D/underlay.pcap" "$D/lo.pcap" \
	>"$D/keys.json" 2>"$D/err" &&
	check keys exact address+time "$D/keys.json" &&
	ok "with the key log: $N stories, the right ports and paths, edge address+time, relay exact, request address+time, stages in order" ||
	bad "with keys: $(cat "$D/err"; head -c 2000 "$D/keys.json")"
"$F" -n -q --correlate --json "$D/inner.pcap" "$D/underlay.pcap" "$D/lo.pcap" >"$D/nokeys.json" 2>"$D/err" &&
	check nokeys time+size none "$D/nokeys.json" &&
	ok "without keys (TUN capture + underlay + lo): $N stories, relay joined by time and size" ||
	bad "without keys: $(cat "$D/err"; head -c 2000 "$D/nokeys.json")"
"$F" -n -q --correlate --wg-keylog "$D/node-wg.keys" "$D/underlay.pcap" "$D/lo.pcap" >"$D/keys.txt" 2>&1 &&
	[ "$(grep -c ' story .*/echo?n=.*\[exact\].*request \[address+time\].* total ' "$D/keys.txt")" -eq "$N" ] &&
	ok "text: one line a story with its joins and stretches" || bad "text: $(cat "$D/keys.txt")"

load() {	# LABEL JSON_FILE [exact]: the mixed load's joins against the node's log
	python3 "$T" load "$1" "$2" "$D/node.log" "$D/edge.log" ${3:+"$3"}
}
refusals() {	# LABEL JSON_FILE
	python3 "$T" refusals "$1" "$2" "$D/edge.log" "$D/refusals"
}
timing() {	# LABEL JSON_FILE PREFIX each|median STAGE...: held to BOUND_MS
	local label=$1 json=$2
	shift 2
	python3 "$T" timing "$label" "$json" "$D/node.log" "$D/edge.log" "$BOUND_MS" "$@"
}
load "with keys" "$D/keys.json" && ok "mixed load with the key log: every request a story, none joined wrong" ||
	bad "mixed load with keys"
load "without keys" "$D/nokeys.json" && ok "mixed load without keys (TUN capture): none joined wrong" ||
	bad "mixed load without keys"
if [ -z "${CORRELATE_LAB_POOL:-}" ]; then
	"$F" -n -q --correlate --json --proxy-model per-connection "$D/inner.pcap" "$D/underlay.pcap" "$D/lo.pcap" \
		>"$D/perconn.json" 2>"$D/err" && load "without keys, per-connection" "$D/perconn.json" &&
		ok "mixed load without keys, --proxy-model per-connection: none joined wrong" ||
		bad "mixed load per-connection: $(cat "$D/err")"
fi
python3 "$T" data "without keys" "$D/nokeys.json" "$D/inner.pcap" &&
	ok "without keys: each request joined address+data came after its client's data (tshark)" ||
	bad "address+data against tshark"
# With the node's TLS key log too, the ingress stream's requests are read
# inside its TLS: every loopback request joins the one connection that
# carried it (exact), none ambiguous, none wrong; the same from the TUN
# capture with the TLS key log alone.
"$F" -n -q --correlate --json --wg-keylog "$D/node-wg.keys" --tls-keylog "$D/node-tls.keys" \
	"$D/public.pcap" "$D/underlay.pcap" "$D/lo.pcap" >"$D/tls.json" 2>"$D/err" || bad "with TLS keys: $(cat "$D/err")"
load "with both key logs" "$D/tls.json" exact &&
	ok "mixed load with both key logs (WireGuard, TLS): every request joined exact, none ambiguous" ||
	bad "mixed load with both key logs"
"$F" -n -q --correlate --json --tls-keylog "$D/node-tls.keys" "$D/inner.pcap" "$D/underlay.pcap" "$D/lo.pcap" \
	>"$D/tlstun.json" 2>"$D/err" || bad "TUN capture with TLS keys: $(cat "$D/err")"
load "TUN capture, TLS key log" "$D/tlstun.json" exact &&
	ok "mixed load from the TUN capture with the TLS key log: every request joined exact" ||
	bad "mixed load, TUN capture with TLS keys"
refusals "with keys" "$D/keys.json" && ok "refusals with the key log: each as the edge logged it" ||
	bad "refusals with keys"
refusals "without keys" "$D/nokeys.json" && ok "refusals without keys: each as the edge logged it" ||
	bad "refusals without keys"
# Stage times against the logs, every story joined right (issue 13): each
# log time is the moment of the packet the capture shows, taken by the
# kernel (SO_TIMESTAMPNS on the edge's public socket, fnode's WireGuard
# socket, its inner and backend sockets; SO_TIMESTAMPING on the backend
# head) or right before the engine hands the 101's datagram to the kernel,
# so it meets the capture within microseconds whatever the load. Held in
# CI: every stage's median within BOUND_MS (1) and every story within
# CORRELATE_LAB_EACH_MS (25: a loaded machine, the ASan build, and the
# kernel, which merges a response head left unread with a later body
# segment under the later one's time); scripts/lab-correlate.sh holds
# every story to 1 ms. Figures at 1000+ requests: README, "Ground truth".
EACH_MS=${CORRELATE_LAB_EACH_MS:-25}
holds() {	# STAGE...: each held in every story and at the median
	local s
	for s; do printf ' each@%s:%s median:%s' "$EACH_MS" "$s" "$s"; done
}
NODE_STAGES="tunnel ingress tls_done request first_byte last_byte"
# shellcheck disable=SC2046
timing "with keys" "$D/keys.json" $(holds edge $NODE_STAGES) &&
	ok "with keys: every stage within $EACH_MS ms of the logs in every story, its median within $BOUND_MS ms" ||
	bad "with keys: stage times beyond the bounds"
# shellcheck disable=SC2046
timing "with both key logs" "$D/tls.json" $(holds edge $NODE_STAGES) &&
	ok "with both key logs: every stage within $EACH_MS ms of the logs in every story, its median within $BOUND_MS ms" ||
	bad "with both key logs: stage times beyond the bounds"
# shellcheck disable=SC2046
timing "without keys" "$D/nokeys.json" inner $(holds $NODE_STAGES) &&
	ok "without keys: every stage within $EACH_MS ms of the logs (the inner side's) in every story, its median within $BOUND_MS ms" ||
	bad "without keys: stage times beyond the bounds"

# A clock that was off: the edge's capture shifted.
editcap -t "$SHIFT" "$D/edge-underlay.pcap" "$D/edge-shifted.pcap" >/dev/null 2>&1 || bad "editcap"
"$F" -n -q --correlate --json "$D/edge-shifted.pcap" "$D/underlay.pcap" "$D/lo.pcap" >"$D/clock.json" 2>"$D/err"
est=$(python3 - "$D/clock.json" "$SHIFT" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "clock_offset" and o["a"].endswith("edge-shifted.pcap") and o["b"].endswith("/underlay.pcap"):
        # underlay minus edge-shifted: minus the shift
        if not o["one_way"] and abs(o["offset"] + float(sys.argv[2])) < 0.2:
            print(o["offset"])
PY
)
[ -n "$est" ] && ok "clock offset estimated from the traffic: $est s for a shift of $SHIFT s" ||
	bad "clock offset: $(grep clock_offset "$D/clock.json"; cat "$D/err")"
if [ -n "$est" ]; then
	"$F" -n -q --correlate --json --wg-keylog "$D/node-wg.keys" --clock-offset "$D/edge-shifted.pcap=$est" \
		"$D/edge-shifted.pcap" "$D/underlay.pcap" "$D/lo.pcap" >"$D/fixed.json" 2>"$D/err" &&
		check fixed exact none "$D/fixed.json" &&
		ok "--clock-offset FILE=$est: $N exact stories again with both underlay captures" ||
		bad "with --clock-offset: $(cat "$D/err"; head -c 1500 "$D/fixed.json")"
fi
"$F" -n -q --correlate --wg-keylog "$D/node-wg.keys" --summary "$D/underlay.pcap" "$D/lo.pcap" >"$D/summary.txt" 2>&1 &&
	[ "$(sed -n 's/^Where the time goes: \([0-9]*\) stories.*/\1/p' "$D/summary.txt")" -ge $((N + LOAD_N)) ] &&
	grep -q "198.18.0.1:51820  stories [0-9]* .* total " "$D/summary.txt" &&
	ok "--summary: where the time goes, per relay and per host" || bad "summary: $(tail -8 "$D/summary.txt")"
[ $fail -eq 0 ] || { echo "--- node.log"; cat "$D/node.log"; }
[ -n "${CORRELATE_LAB_KEEP:-}" ] && cp -r "$D/." "$CORRELATE_LAB_KEEP/"
exit $fail
