#!/bin/bash
# fwatch live on lo, as root, inside a throw-away namespace (lib/netns.sh):
# a real keep-alive HTTP server (lib/stream_traffic.py) and real curl
# requests carrying X-Forwarded-For.
#   1. `fwatch --dump 4 -i lo -f 'tcp port 2367'`: every request appears
#      with the client the rule chooses (single, chain with a Tailscale relay
#      hop, IPv6, none), its status and its Detail; kernel counters shown.
#   2. The screen (tmux): a request shows up within a second of curl
#      returning, with its X-Forwarded-For client, while reverse DNS goes to
#      a server that never answers (names stay pending, nothing waits); the
#      keys still answer at once; q restores the terminal.
# Skips (77) when not root, or without curl, python3 or tmux (part 2 only).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
LIB=$FSC_SRC/tests/integration/lib
. "$LIB/netns.sh"
NSL_PROG=fwatch_live
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (namespaces, capture)"; exit 77; }
miss=$(nsl_missing curl python3 ip)
[ -z "$miss" ] || { echo "skip: missing $miss"; exit 77; }
F="$FSC_BIN/fwatch"
nsl_init fwatch_live
NS="fwl$$"
nsl_ns_add "$NS"
PORT=2367
BASE="http://127.0.0.1:$PORT"
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
fail=0
n=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

nsl_bg "$NS" python3 "$LIB/stream_traffic.py" http-server 127.0.0.1 "$PORT"
nsl_wait_for 5 ip netns exec "$NS" curl -s -o /dev/null "$BASE/ready" ||
	nsl_die "the HTTP server did not start"

C() { ip netns exec "$NS" curl -sS -o /dev/null --http1.1 "$@"; }

# ---- 1. the dump
OUT=$NSL_TMP/dump
ip netns exec "$NS" "$F" --dump 4 --details -n --no-geoip -i lo -f "tcp port $PORT" \
	>"$OUT" 2>"$OUT.err" &
FPID=$!
nsl_track "$FPID"
sleep 1 # the capture is open well before this
C -H 'X-Forwarded-For: 66.249.72.211' "$BASE/live/single"
C -H 'X-Forwarded-For: 203.0.113.9, 66.249.72.212, fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b' \
	"$BASE/live/chain?status=404"
C -H 'X-Forwarded-For: 2001:db8::7' "$BASE/live/v6?status=503"
C "$BASE/live/plain"
wait "$FPID"
rc=$?
n=$((n + 1))
[ $rc -eq 0 ] || bad "fwatch --dump exited $rc: $(cat "$OUT.err")"

# row URI CLIENT STATUS: a Requests row with these three.
row() {
	n=$((n + 1))
	awk -v u="$1" -v c="$2" -v s="$3" '
		/^== Requests/ { on = 1; next }
		/^== / { on = 0 }
		on && $2 == c && index($0, " " u " ") && $(NF - 2) == s { found = 1 }
		END { exit !found }' "$OUT" || bad "no request row $1 client $2 status $3"
}
row /live/single 66.249.72.211 200
row '/live/chain?status=404' 66.249.72.212 404
row '/live/v6?status=503' 2001:db8::7 503
row /live/plain 127.0.0.1 200
# expect TEXT: the dump holds TEXT.
expect() {
	n=$((n + 1))
	grep -qF -- "$1" "$OUT" || bad "dump lacks '$1'"
}
expect "== Requests (4) =="
expect "Client       66.249.72.212 by xff-chain"
expect "Claimed      203.0.113.9 (leftmost in the headers, not believed)"
expect "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b  4to6 of 100.104.208.43  skipped: relay"
expect "Client       127.0.0.1 by tcp-peer"
expect "X-Forwarded-For: 2001:db8::7"
n=$((n + 1))
grep -qE "^  source       lo: [0-9]+ packets, [0-9]+ received by the filter, 0 dropped by the kernel" \
	"$OUT" || bad "no kernel counters for lo: $(grep source "$OUT")"
n=$((n + 1))
grep -q "^\* 66.249.72.211 .* xff-single" "$OUT" || bad "client 66.249.72.211 not new/xff-single"

# ---- 2. the screen
if ! command -v tmux >/dev/null 2>&1; then
	echo "skip: part 2 (no tmux)"
	echo "$((n - fail)) passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi
# A DNS server that takes queries and never answers.
DNSPORT=5353
nsl_bg "$NS" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recv(4096)
' "$DNSPORT"
SOCK="fwatch-live-$$"
S="fwl$$"
T() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'T kill-server 2>/dev/null; nsl_cleanup' EXIT
T new-session -d -s "$S" -x 100 -y 24 \
	"exec ip netns exec '$NS' env TZ=UTC '$F' --no-geoip --dns 127.0.0.1:$DNSPORT \
	--dns-timeout 30000 -i lo -f 'tcp port $PORT'" || nsl_die "tmux failed"
T set-option -t "$S" remain-on-exit on >/dev/null
screen() { T capture-pane -p -t "$S"; }
nsl_wait_for 5 sh -c "tmux -L '$SOCK' capture-pane -p -t '$S' | grep -q ' live '" ||
	bad "the screen did not come up: $(screen)"
sleep 0.5
C -H 'X-Forwarded-For: 66.249.72.213' "$BASE/tui/seen"
t0=$(date +%s%N)
seen=0
for i in $(seq 1 40); do
	if screen | grep -q "66.249.72.213 .*/tui/seen"; then
		seen=1
		break
	fi
	sleep 0.025
done
ms=$((($(date +%s%N) - t0) / 1000000))
n=$((n + 1))
if [ $seen -eq 1 ] && [ $ms -lt 1000 ]; then
	echo "request on screen ${ms} ms after curl returned"
else
	bad "request not on screen within a second (${ms} ms): $(screen)"
fi
# Names are pending (the server never answers), and keys answer anyway.
T send-keys -t "$S" 2
n=$((n + 1))
nsl_wait_for 1 sh -c "tmux -L '$SOCK' capture-pane -p -t '$S' | grep -q '66.249.72.213 .* ?\$'" ||
	bad "Clients view did not come within a second, or the name is not pending: $(screen)"
C -H 'X-Forwarded-For: 198.51.100.77' "$BASE/tui/second"
n=$((n + 1))
nsl_wait_for 1 sh -c "tmux -L '$SOCK' capture-pane -p -t '$S' | grep -q '198.51.100.77'" ||
	bad "a second client did not appear within a second: $(screen)"
T send-keys -t "$S" q
nsl_wait_for 3 sh -c "[ \"\$(tmux -L '$SOCK' display -p -t '$S' '#{pane_dead}')\" = 1 ]" ||
	bad "q did not end fwatch"
n=$((n + 1))
sleep 0.3
st=$(T display -p -t "$S" '#{pane_dead} #{alternate_on}')
[ "$st" = "1 0" ] || bad "dead/alternate screen after q: '$st' (want '1 0')"

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
