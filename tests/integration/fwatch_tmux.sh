#!/bin/sh
# fwatch's screen in a real terminal: tmux (its own server, 80x24) runs
# fwatch on a replayed capture; keys go in with send-keys and the screen
# comes back with capture-pane. Checks: the Requests list, a filter, Detail
# and back, sorting, Clients, Hosts, Tunnel with real WireGuard peers,
# pause, help, a resize, and that the terminal is restored (alternate
# screen left, cursor shown again) after q, after SIGTERM and after a
# SIGSEGV. Skips (77) without tmux or python3.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
command -v tmux >/dev/null 2>&1 || { echo "skip: no tmux"; exit 77; }
F="$FSC_BIN/fwatch"
SOCK="fwatch-test-$$"
S=""
fail=0
n=0

command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init TMP
mkdir "$TMP/export"
runs=0
T() { tmux -L "$SOCK" -f /dev/null "$@"; }
scratch_extra_cleanup() { T kill-server 2>/dev/null; }

screen() { T capture-pane -p -t "$S"; }

# wait_for TEXT: up to 10 s for TEXT on the screen.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# check NAME TEXT: TEXT must appear on the screen (waiting for it a little).
check() {
	n=$((n + 1))
	if ! wait_for "$2"; then
		echo "FAIL: $1: '$2' not on the screen:"
		screen | sed 's/^/  | /'
		fail=$((fail + 1))
	fi
}

# check_not NAME TEXT: TEXT must leave the screen (within 10 s).
check_not() {
	n=$((n + 1))
	i=0
	while [ $i -lt 100 ] && screen | grep -qF -- "$2"; do
		sleep 0.1
		i=$((i + 1))
	done
	if screen | grep -qF -- "$2"; then
		echo "FAIL: $1: '$2' is on the screen:"
		screen | sed 's/^/  | /'
		fail=$((fail + 1))
	fi
}

keys() {
	T send-keys -t "$S" "$@"
	sleep 0.2
}

# start CAPTURE ARGS...: a fresh session running fwatch (exec'd, so the
# pane's pid is fwatch's and the pane stays after it exits).
start() {
	# A new session each time, the old ones left alone (killing the last
	# session ends the server, and a new session could race its exit).
	runs=$((runs + 1))
	S="fwatch$$-$runs"
	cap=$1
	shift
	T new-session -d -s "$S" -x 80 -y 24 \
		"cd '$FSC_SRC' && exec env TZ=UTC TMPDIR='$TMP/export' '$F' -n --no-geoip -r '$cap' $*" || exit 1
	T set-option -t "$S" remain-on-exit on >/dev/null
	# Every byte fwatch writes, to see how it left the terminal.
	LOG=$TMP/pty.$runs
	T pipe-pane -t "$S" -o "cat >'$LOG'"
}

# restored NAME: fwatch has exited and left the terminal as it found it.
restored() {
	n=$((n + 1))
	i=0
	while [ $i -lt 50 ] && [ "$(T display -p -t "$S" '#{pane_dead}')" != 1 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.3 # the last bytes written may still be on their way to tmux
	dead=$(T display -p -t "$S" '#{pane_dead} #{alternate_on}')
	if [ "$dead" != "1 0" ]; then
		echo "FAIL: $1: pane dead/alternate screen = '$dead' (want '1 0')"
		fail=$((fail + 1))
	fi
	# The cursor shown again after the last time it was hidden, and the
	# alternate screen left (tmux's own cursor flag is not reliable once
	# a pane is dead).
	n=$((n + 1))
	if ! python3 - "$LOG" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
shown, hidden, left = b.rfind(b"\x1b[?25h"), b.rfind(b"\x1b[?25l"), b.rfind(b"\x1b[?1049l")
sys.exit(0 if left >= 0 and shown > hidden and shown > 0 else 1)
PY
	then
		echo "FAIL: $1: the cursor or the screen was not restored; the last bytes:"
		tail -c 80 "$LOG" | od -c | sed 's/^/  | /'
		fail=$((fail + 1))
	fi
}

start captures/streams/http-xff.pcap --max
check "replay ends" "ended"
check "requests: newest first" "/http10"
check "requests: all 30" " 1/30 "
check "tabs" "1 Requests  2 Clients  3 Tunnel  4 Hosts  5 Detail"

keys / 'status:5' Enter
check "filter 5xx" "/plain?status=503"
check "filter 5xx" "/xff/malformed?"
check "filter count" " 1/2 of 30"
check_not "filter hides 200s" "/http10"

keys Enter
check "detail of the first row" "#21 GET /plain?status=503 HTTP/1.1"
check "detail client" "127.0.0.1 by tcp-peer"
check "detail headers" "User-Agent: curl-fsc-test/1 (conn C)"
# the export keys: the shown request as HAR and as curl, to $TMPDIR
keys H
check "H exports HAR" "HAR: $TMP/export/fwatch-"
keys c
check "c exports curl" "curl: $TMP/export/fwatch-"
keys Escape
check "back to the list" " 1/2 of 30"

keys / C-u 'client:66.249 path:/xff/chain' Enter
check "client filter" "/xff/chain4to6"
keys Enter
check "detail: hops" "66.249.72.211  public  <- client"
check "detail: 4to6 relay hop" "4to6 of 100.104.208.43"
check "detail: relay skipped" "skipped: relay"
check "detail: funnel" "Tailscale-Funnel-Request: ?1"
keys 1 / C-u Enter
check "filter cleared" " 1/30 "

# The filter line redraws on every key and previews the rows; a word
# that is no filter says why at once; Esc brings the old filter back.
keys / 'status:'
check "typing shows at once" "/status:"
keys 5
check "preview while typing" "/plain?status=503"
check_not "preview hides 200s" "/http10"
keys ' colour:red'
check "why, while typing" "<- unknown field"
keys Enter
check "Enter keeps the prompt on a bad filter" "<- unknown field"
keys Escape
check "Esc: the old filter" " 1/30 "
check "Esc: rows back" "/http10"

# At 80 columns HOST and PATH both stay, HOST before PATH.
n=$((n + 1))
title=$(screen | grep -m1 'CLIENT')
case "$title" in
*HOST*PATH*) ;;
*) echo "FAIL: 80 columns: the title row lacks HOST or PATH: '$title'"; fail=$((fail + 1)) ;;
esac

keys s
check "sort latency" "sort: latency"
check "slowest first" "/fwd/basic"
keys j j
check "selection moves" " 3/30 "
keys s s s s
check "sort cycles back" "sort: newest"

keys 2
check "clients view" "CLIENT"
check "clients: top client" "66.249.72.211"
check "clients: count" " 1/12 "
keys Enter
check "client's requests" " 1/12 of 30"
keys / C-u Enter 4
check "hosts view" "node.example.ts.net"
check "hosts: 127.0.0.1 with 23 requests" "127.0.0.1 "
keys 3
check "tunnel view" "WireGuard peers (0)"
keys 1 p
check "pause" "PAUSED"
keys p
check_not "resume" "PAUSED"
keys '?'
check "help" "funnel traffic as it happens"
keys x
check_not "help closes" "funnel traffic as it happens"

T resize-window -t "$S" -x 100 -y 30
check "resized" "BYTES"
# At 100 columns the HOST column comes back.
check "resized: wider columns" "HOST"
check "100 columns: a whole host name" "node.example.ts.net "
n=$((n + 1))
rows=$(screen | wc -l)
[ "$rows" -eq 30 ] || { echo "FAIL: resize: $rows rows"; fail=$((fail + 1)); }
T resize-window -t "$S" -x 132 -y 30
check "132 columns: names" " NAME "
T resize-window -t "$S" -x 60 -y 15
check "narrow still draws" "1 Requests"
keys q
restored "quit with q"

# Three vantage points at once (-r merged by time, the node's key log):
# the STAGES column with its bar at 132 columns, and one request's Detail
# with its chain (issue 13 item 3).
L=captures/correlate/lab
start $L/public.pcap --max -r $L/underlay.pcap -r $L/node-lo.pcap --wg-keylog $L/node-wg.keys
check "stories: replay ends" "ended"
T resize-window -t "$S" -x 132 -y 40
check "132 columns: the stage bar's column" " STAGES"
n=$((n + 1))
if ! screen | grep -q '/echo?n=3 .* 200 .* [eitbfl]\{10\}$'; then
	echo "FAIL: no stage bar on the row of /echo?n=3:"
	screen | sed 's/^/  | /'
	fail=$((fail + 1))
fi
keys / 'path:/echo?n=3' Enter
check "stories: one request" " 1/1 of 25"
keys Enter
check "chain: the story" "#3, the public request end to end"
check "chain: edge" "[address+time] (public.pcap)"
check "chain: relay, its session, decrypted" "198.18.0.1:51820 - session 1 peer 1 key "
check "chain: ingress" "answer 101 node 100.64.0.2:46187 (underlay.pcap)"
check "chain: TLS" "sni node.example.test alpn h2,http/1.1 ja4 t13d"
check "chain: the loopback request" "GET node.example.test/echo?n=3 200 454 bytes, request 1 by xff-single [address+time]"
check "chain: stretches" "edge 0.108  ingress 0.291  tls 1.614  to_backend 0.511"
check "chain: the bar's legend" "e edge, i ingress, t tls, b to backend, f first byte, l last byte"
keys q
restored "quit after the chain"

# Tunnel view over real WireGuard, then SIGTERM.
# The exported HAR is valid HAR 1.2 and is fdecode --har's entry for the
# same request, byte for byte once parsed; the curl file is fdecode --curl's.
n=$((n + 1))
if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "note: python3-jsonschema missing; the exported HAR not validated"
elif ! python3 - "$TMP/export" "$FSC_SRC/tests/golden/har/har12.schema.json" "$FSC_BIN/fdecode" \
	"$FSC_SRC/captures/streams/http-xff.pcap" <<'PY'
import glob, json, subprocess, sys
import jsonschema
d, schema, fd, cap = sys.argv[1:5]
hars, curls = glob.glob(d + "/*.har"), glob.glob(d + "/*.curl")
if len(hars) != 1 or len(curls) != 1:
    sys.exit("want one .har and one .curl, have %s" % (hars + curls))
h = json.load(open(hars[0]))
errs = list(jsonschema.Draft202012Validator(json.load(open(schema))).iter_errors(h))
if errs or len(h["log"]["entries"]) != 1:
    sys.exit("exported HAR invalid: %s" % errs[:2])
e = h["log"]["entries"][0]
if not e["request"]["url"].endswith("/plain?status=503") or e["response"]["status"] != 503:
    sys.exit("exported the wrong request: %s" % e["request"]["url"])
ref = json.loads(subprocess.run([fd, "-n", "--har", "-", cap], capture_output=True).stdout)
same = [x for x in ref["log"]["entries"] if x["_seq"] == e["_seq"]]
if same != [e]:
    sys.exit("fdecode --har's entry %s differs:\n%s\n%s" % (e["_seq"], same, e))
c = subprocess.run([fd, "-n", "--curl", str(e["_seq"]), cap], capture_output=True).stdout
if c != open(curls[0], "rb").read():
    sys.exit("fdecode --curl %s differs from the exported curl" % e["_seq"])
PY
then
	echo "FAIL: the Detail view's export"
	fail=$((fail + 1))
fi

start captures/wg-tunnel.pcap --max --view tunnel
check "tunnel peers" "WireGuard peers (2)"
check "tunnel endpoint" "198.18.0.1:41641"
check "tunnel health" " ok"
check "tunnel sessions" "WireGuard sessions (3)"
pid=$(T display -p -t "$S" '#{pane_pid}')
kill -TERM "$pid"
restored "SIGTERM"

# A crash still hands the terminal back (fatal-signal handler).
start captures/wg-tunnel.pcap --speed 0.01
check "slow replay runs" "replay x0.01"
pid=$(T display -p -t "$S" '#{pane_pid}')
kill -SEGV "$pid"
restored "SIGSEGV"

# Terminals that cannot hold a screen: a clear message and exit 2.
for term in dumb nosuchterm; do
	runs=$((runs + 1))
	S="fwatch$$-$runs"
	T new-session -d -s "$S" -x 80 -y 24 "cd '$FSC_SRC' && env TERM=$term LSAN_OPTIONS='${LSAN_OPTIONS:-}' '$F' -n \
		-r captures/wg-tunnel.pcap; echo EXIT=\$?; sleep 30" || exit 1
	check "TERM=$term refused" "use --dump for text"
	check "TERM=$term exit status" "EXIT=2"
done

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
