#!/bin/bash
# wg_engine_interop.sh: our tunnel engine (fwg, TUN side) against
# wireguard-go + wg, in two throw-away namespaces joined by a veth pair
# (lib/netns.sh: underlay 198.18.0.1/.2, tunnel 100.64.0.1 = ours (A),
# 100.64.0.2 = wireguard-go (B)). Phases, each asserting what can fail:
#
#  1. ours initiates: ping A->B, a 12 MB TCP transfer A->B, SHA-256 equal
#  2. wireguard-go initiates (B forgets and re-adds us): ping B->A, 12 MB
#     B->A, and our engine counts a handshake it answered
#  3. key log: tshark decrypts the capture of 1-2 with fwg's --wg-keylog
#     file: handshake_ok, and the inner 100.64.0.1 <-> 100.64.0.2 packets
#  4. roaming: B moves to UDP port 51821; after B speaks, our endpoint for
#     B is the new one and A->B traffic follows it
#  5. cookies under load: a spray of initiations with a valid mac1 from
#     198.18.0.3 (wgspray) gets cookie replies; the spray's cookie opens and
#     its mac2 initiation passes the gate; wireguard-go re-handshakes in the
#     middle of the flood and gets through (a cookie reply to its port is in
#     the capture, then a response)
#  6. rekey: fwg restarted with --test-timer-divisor 20 (rekey after 6 s)
#     under steady pings for 8 s: at least two handshakes, no ping lost
#  7. persistent keepalive: fwg restarted with PersistentKeepalive = 1 and
#     idle: the 32-byte keepalives it sends are 0.6 to 1.7 s apart
#
# exit: 0 pass, 1 fail, 77 skipped (not root, or a tool missing).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
LIB=$FSC_SRC/tests/integration/lib
. "$LIB/netns.sh"
# shellcheck disable=SC2034 # used by nsl_die before nsl_init
NSL_PROG=wg_engine_interop

skip() { echo "wg_engine_interop: SKIP: $*" >&2; exit 77; }
fail() {
	echo "wg_engine_interop: FAIL: $*" >&2
	[ -n "${NSL_TMP:-}" ] && for f in "$NSL_TMP"/fwg*.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -5 "$f" >&2; }
	done
	exit 1
}
say() { echo "wg_engine_interop: $*" >&2; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, TUN devices, tcpdump)"
miss=$(nsl_missing ip wireguard-go wg tcpdump tshark python3)
[ -z "$miss" ] || skip "missing: $miss (scripts/deps.sh installs them)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
for b in fwg wgxfer wgspray; do
	[ -x "$FSC_BIN/$b" ] || fail "$FSC_BIN/$b not built"
done

nsl_init wg_engine_interop
PY=python3
PING=$FSC_SRC/captures/gen/tunnel_traffic.py
K=$NSL_TMP/keys
mkdir -p "$K"
export PYTHONDONTWRITEBYTECODE=1

nsl_wg_underlay wge
nsl_addr "$NSL_B" "$NSL_VB" 198.18.0.3/24
nsl_wg_key "$K" a
nsl_wg_key "$K" b
nsl_wg_start "$NSL_B" "$NSL_WB"
ip -n "$NSL_B" addr add 100.64.0.2 peer 100.64.0.1 dev "$NSL_WB"
ip -n "$NSL_B" link set "$NSL_WB" up
wg set "$NSL_WB" listen-port 51820 private-key "$K/b.key" \
	peer "$(cat "$K/a.pub")" allowed-ips 100.64.0.1/32 ||
	fail "wg set $NSL_WB"

# write_conf FILE [PERSISTENT_KEEPALIVE]
write_conf() {
	cat >"$1" <<EOF
[Interface]
PrivateKey = $(cat "$K/a.key")
ListenPort = 41641
Address = 100.64.0.1/32

[Peer]
PublicKey = $(cat "$K/b.pub")
Endpoint = 198.18.0.2:51820
AllowedIPs = 100.64.0.2/32
PersistentKeepalive = ${2:-0}
EOF
}

FWG_PID=""
FWG_N=0
# fwg_start CONF [ARGS...]: our engine in A on TUN $NSL_WA, control socket
# $NSL_TMP/a.sock; waits for the interface and adds the route to B.
fwg_start() {
	local conf=$1
	shift
	FWG_N=$((FWG_N + 1))
	ip netns exec "$NSL_A" "$FSC_BIN/fwg" up "$conf" --tun "$NSL_WA" \
		--control "$NSL_TMP/a.sock" "$@" >"$NSL_TMP/fwg$FWG_N.log" 2>&1 &
	FWG_PID=$!
	nsl_track "$FWG_PID"
	nsl_wait_for 5 test -S "$NSL_TMP/a.sock" || fail "fwg did not start"
	ip -n "$NSL_A" route add 100.64.0.2/32 dev "$NSL_WA" || fail "route to B"
}
# fwg_stop: stops our engine, and makes B forget the session (a restarted
# peer racing B's own pending handshake would cross initiations, which the
# protocol resolves only at the next retransmit, 5 s later).
fwg_stop() {
	nsl_stop "$FWG_PID"
	rm -f "$NSL_TMP/a.sock"
	nsl_wait_for 5 sh -c "! ip -n $NSL_A link show $NSL_WA" || fail "TUN not removed"
	wg set "$NSL_WB" peer "$(cat "$K/a.pub")" remove
	wg set "$NSL_WB" listen-port 51820 peer "$(cat "$K/a.pub")" allowed-ips 100.64.0.1/32
}
# json_field KEY: a counter from `fwg show json` (interface line first).
json_field() {
	"$FSC_BIN/fwg" show "$NSL_TMP/a.sock" json |
		sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" | head -1
}
ping_from() { ip netns exec "$1" "$PY" "$PING" ping "$2" "$3"; }

# xfer FROM_NS TO_NS TO_ADDR SEED: 12 MB from FROM_NS to TO_ADDR:9000.
xfer() {
	local out=$NSL_TMP/xfer-$4
	ip netns exec "$2" "$FSC_BIN/wgxfer" serve "$3" 9000 >"$out.srv" 2>&1 &
	local srv=$!
	nsl_track "$srv"
	nsl_wait_for 5 grep -q listening "$out.srv" || fail "wgxfer serve did not start"
	timeout 30 ip netns exec "$1" "$FSC_BIN/wgxfer" send "$3" 9000 12000000 "$4" \
		>"$out.cli" 2>&1 || fail "transfer $1 -> $3: $(cat "$out.cli")"
	wait "$srv"
	local l1 l2
	l1=$(sed -n 1p "$out.cli")
	l2=$(sed -n 2p "$out.cli")
	[ -n "$l1" ] && [ "$l1" = "$l2" ] ||
		fail "transfer $1 -> $3: sent '$l1', received '$l2'"
	say "  12 MB $1 -> $3 ok (${l1#* })"
}

nsl_capture_start "$NSL_A" "$NSL_VA" "$NSL_TMP/wg.pcap" udp
CAP=$NSL_PID
write_conf "$NSL_TMP/a.conf"
fwg_start "$NSL_TMP/a.conf" --wg-keylog "$NSL_TMP/a.keys" --load-threshold 40

say "1. ours initiates"
ping_from "$NSL_A" 100.64.0.2 3 || fail "ping A -> B"
xfer "$NSL_A" "$NSL_B" 100.64.0.2 1
[ "$(json_field handshakes_initiated)" -ge 1 ] || fail "no handshake initiated by us"

say "2. wireguard-go initiates"
hs_before=$(json_field handshakes_completed)
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" remove
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" allowed-ips 100.64.0.1/32 \
	endpoint "198.18.0.1:41641"
init_before=$(json_field handshakes_initiated)
ping_from "$NSL_B" 100.64.0.1 3 || fail "ping B -> A"
xfer "$NSL_B" "$NSL_A" 100.64.0.1 2
[ "$(json_field handshakes_completed)" -gt "$hs_before" ] ||
	fail "our engine did not complete the handshake wireguard-go started"
[ "$(json_field handshakes_initiated)" -eq "$init_before" ] ||
	fail "we initiated although wireguard-go did (responder path not exercised)"

say "3. key log: tshark decrypts"
nsl_stop "$CAP"
grep -q LOCAL_EPHEMERAL_PRIVATE_KEY "$NSL_TMP/a.keys" || fail "no ephemeral key in the key log"
[ "$(grep -c LOCAL_EPHEMERAL_PRIVATE_KEY "$NSL_TMP/a.keys")" -ge 2 ] ||
	fail "expected a key-log line per handshake (both roles)"
tshark -n -r "$NSL_TMP/wg.pcap" -o "wg.keylog_file:$NSL_TMP/a.keys" \
	-d udp.port==41641,wg -d udp.port==51820,wg -T fields -e wg.type \
	-e wg.handshake_ok -e ip.src -e ip.dst -e tcp.dstport \
	>"$NSL_TMP/tshark.txt" 2>"$NSL_TMP/tshark.err" || fail "tshark: $(cat "$NSL_TMP/tshark.err")"
ok=$(awk -F'\t' '$2 == 1' "$NSL_TMP/tshark.txt" | wc -l)
# ip.src/ip.dst list the outer address, then the decrypted inner one.
inner=$(awk -F'\t' '$3 ~ /,100\.64\.0\.[12]$/ && $4 ~ /,100\.64\.0\.[12]$/' \
	"$NSL_TMP/tshark.txt" | wc -l)
tcp9000=$(awk -F'\t' '$5 ~ /9000/' "$NSL_TMP/tshark.txt" | wc -l)
[ "$ok" -ge 2 ] || fail "tshark: $ok handshakes decrypted (wanted 2: one each way)"
[ "$inner" -ge 1000 ] || fail "tshark: only $inner decrypted inner packets"
[ "$tcp9000" -ge 100 ] || fail "tshark: inner TCP to port 9000 not seen ($tcp9000)"
say "  tshark: $ok handshakes ok, $inner inner packets, $tcp9000 to tcp/9000"

say "4. roaming"
wg set "$NSL_WB" listen-port 51821
ping_from "$NSL_B" 100.64.0.1 2 || fail "ping B -> A from the new port"
"$FSC_BIN/fwg" show "$NSL_TMP/a.sock" dump | grep -q $'\t198.18.0.2:51821\t' ||
	fail "endpoint did not roam: $("$FSC_BIN/fwg" show "$NSL_TMP/a.sock" dump | tail -1)"
ping_from "$NSL_A" 100.64.0.2 2 || fail "ping A -> B after roaming"

say "5. cookies under load"
nsl_capture_start "$NSL_A" "$NSL_VA" "$NSL_TMP/load.pcap" udp
CAP=$NSL_PID
ip netns exec "$NSL_B" "$FSC_BIN/wgspray" --bind 198.18.0.3 198.18.0.1 41641 \
	"$(cat "$K/a.pub")" 1400 200 >"$NSL_TMP/spray.json" 2>&1 &
SPRAY=$!
nsl_track "$SPRAY"
sleep 1
# wireguard-go forgets its session and must handshake through the flood.
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" remove
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" allowed-ips 100.64.0.1/32 \
	endpoint "198.18.0.1:41641"
nsl_wait_for 15 ping_from "$NSL_B" 100.64.0.1 1 || fail "no handshake through the flood"
wait "$SPRAY" || fail "wgspray: $(cat "$NSL_TMP/spray.json")"
nsl_stop "$CAP"
grep -q '"cookie_opened":true' "$NSL_TMP/spray.json" ||
	fail "spray got no cookie it could open: $(cat "$NSL_TMP/spray.json")"
cookies=$(json_field cookies_sent)
mac2=$(json_field mac2_valid)
[ "$cookies" -ge 100 ] || fail "only $cookies cookie replies under load"
# The spray's last initiation and wireguard-go's retry carry cookies.
[ "$mac2" -ge 2 ] || fail "$mac2 messages passed the gate with a cookie (wanted 2)"
wgcookies=$(tshark -n -r "$NSL_TMP/load.pcap" -Y 'udp.dstport == 51821 && udp.length == 72' \
	2>/dev/null | wc -l)
[ "$wgcookies" -ge 1 ] || fail "wireguard-go got no cookie reply under load"
say "  $(cat "$NSL_TMP/spray.json"); engine: $cookies cookies, $mac2 with a valid mac2; wireguard-go got $wgcookies"

say "6. rekey with --test-timer-divisor 20"
fwg_stop
fwg_start "$NSL_TMP/a.conf" --test-timer-divisor 20
ping_from "$NSL_A" 100.64.0.2 40 || fail "pings lost across rekeys"
hs=$(json_field handshakes_completed)
[ "$hs" -ge 2 ] || fail "no rekey in 8 s with rekey-after 6 s ($hs handshakes)"
say "  $hs handshakes in 8 s, no ping lost"

say "7. persistent keepalive cadence"
fwg_stop
write_conf "$NSL_TMP/ka.conf" 1
nsl_capture_start "$NSL_A" "$NSL_VA" "$NSL_TMP/ka.pcap" udp
CAP=$NSL_PID
fwg_start "$NSL_TMP/ka.conf"
sleep 5.5
nsl_stop "$CAP"
tshark -n -r "$NSL_TMP/ka.pcap" -Y 'udp.srcport == 41641 && udp.length == 40' -T fields -e frame.time_relative \
	>"$NSL_TMP/ka.txt" 2>/dev/null
n=$(wc -l <"$NSL_TMP/ka.txt")
[ "$n" -ge 3 ] && [ "$n" -le 7 ] || fail "$n keepalives in 5.5 s (wanted about 5)"
awk 'NR > 1 { d = $1 - prev; if (d < 0.6 || d > 1.7) { print "gap " d; bad = 1 } }
	{ prev = $1 } END { exit bad }' "$NSL_TMP/ka.txt" ||
	fail "keepalive gaps off 1 s: $(tr '\n' ' ' <"$NSL_TMP/ka.txt"; tshark -n -r "$NSL_TMP/ka.pcap" -d udp.port==41641,wg | head -20)"
say "  $n keepalives, gaps within 0.6-1.7 s"

echo "wg_engine_interop: PASS"
