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
#     file: handshake_ok, and the inner 100.64.0.1 <-> 100.64.0.2 packets;
#     fdecode with the same key log agrees with tshark on every frame
#     (static key, handshake_ok, inner addresses, protocol and ports;
#     lib/wgd_compare.py)
#  4. 2 MB over inner IPv6 (fd7a:115c:a1e0::1 -> ::2, routed by fwg for
#     the AllowedIPs); roaming: B moves to UDP port 51821; after B speaks,
#     our endpoint for B is the new one and A->B traffic follows it; then
#     B speaks over the IPv6 underlay (2001:db8::2) and we follow again
#  5. cookies under load: a spray of initiations with a valid mac1 from
#     198.18.0.3 (wgspray) gets cookie replies; the spray's cookie opens and
#     its mac2 initiation passes the gate; wireguard-go re-handshakes in the
#     middle of the flood (once our engine is seen answering cookies) and
#     gets through (a cookie reply to its port is in the capture, then a
#     response)
#  6. rekey: fwg restarted with --test-timer-divisor 20 (rekey after 6 s)
#     under 40 steady pings (8 s at least): at least two handshakes, no ping
#     lost
#  7. persistent keepalive: fwg restarted with PersistentKeepalive = 1 and
#     idle, until it has sent 6 keepalives: none came early (every gap at
#     least 0.6 s), the median gap is 0.6 to 1.7 s, none late by more than
#     a stall (5 s)
#
# Timing: no fixed sleep decides a verdict. Each wait polls for its
# condition against the clock with a bound far above what it takes on an
# idle machine (WAIT_S, 30 s; a ping waits PING_WAIT_S, 10 s, per reply:
# a lost packet is still never answered), so a loaded machine (a build
# beside it) only makes the test slower.
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
WAIT_S=${WG_INTEROP_WAIT_S:-30}
PING_WAIT_S=${WG_INTEROP_PING_WAIT_S:-10}
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
ip -n "$NSL_B" addr add fd7a:115c:a1e0::2/128 dev "$NSL_WB" nodad
ip -n "$NSL_B" link set "$NSL_WB" up
ip -n "$NSL_B" route add fd7a:115c:a1e0::1/128 dev "$NSL_WB"
B_ALLOWED=100.64.0.1/32,fd7a:115c:a1e0::1/128
wg set "$NSL_WB" listen-port 51820 private-key "$K/b.key" \
	peer "$(cat "$K/a.pub")" allowed-ips "$B_ALLOWED" ||
	fail "wg set $NSL_WB"

# write_conf FILE [PERSISTENT_KEEPALIVE]
write_conf() {
	cat >"$1" <<EOF
[Interface]
PrivateKey = $(cat "$K/a.key")
ListenPort = 41641
Address = 100.64.0.1/32, fd7a:115c:a1e0::1/128

[Peer]
PublicKey = $(cat "$K/b.pub")
Endpoint = 198.18.0.2:51820
AllowedIPs = 100.64.0.2/32, fd7a:115c:a1e0::2/128
PersistentKeepalive = ${2:-0}
EOF
}

# until SECONDS CMD...: polls CMD (every 0.1 s) until it succeeds or
# SECONDS of the clock have passed, however long each try takes.
until_s() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

FWG_PID=""
FWG_N=0
# fwg_start CONF [ARGS...]: our engine in A on TUN $NSL_WA, control socket
# $NSL_TMP/a.sock; waits for the interface and for the route to B that fwg
# adds for the peer's AllowedIPs.
fwg_start() {
	local conf=$1
	shift
	FWG_N=$((FWG_N + 1))
	ip netns exec "$NSL_A" "$FSC_BIN/fwg" up "$conf" --tun "$NSL_WA" \
		--control "$NSL_TMP/a.sock" "$@" >"$NSL_TMP/fwg$FWG_N.log" 2>&1 &
	FWG_PID=$!
	nsl_track "$FWG_PID"
	until_s "$WAIT_S" test -S "$NSL_TMP/a.sock" || fail "fwg did not start in $WAIT_S s"
	until_s "$WAIT_S" sh -c "ip -n '$NSL_A' route show 100.64.0.2/32 | grep -q 'dev $NSL_WA'" ||
		fail "fwg added no route for AllowedIPs 100.64.0.2/32"
}
# fwg_stop: stops our engine, and makes B forget the session (a restarted
# peer racing B's own pending handshake would cross initiations, which the
# protocol resolves only at the next retransmit, 5 s later).
fwg_stop() {
	nsl_stop "$FWG_PID"
	rm -f "$NSL_TMP/a.sock"
	until_s "$WAIT_S" sh -c "! ip -n $NSL_A link show $NSL_WA" || fail "TUN not removed"
	wg set "$NSL_WB" peer "$(cat "$K/a.pub")" remove
	wg set "$NSL_WB" listen-port 51820 peer "$(cat "$K/a.pub")" allowed-ips "$B_ALLOWED"
}
# json_field KEY: a counter from `fwg show json` (interface line first).
json_field() {
	"$FSC_BIN/fwg" show "$NSL_TMP/a.sock" json |
		sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" | head -1
}
# ping_from NS ADDR N [WAIT]: N pings, each answered within WAIT s.
ping_from() { ip netns exec "$1" "$PY" "$PING" ping "$2" "$3" "${4:-$PING_WAIT_S}"; }

# xfer FROM_NS TO_NS TO_ADDR SEED [BYTES]: 12 MB (or BYTES) from FROM_NS to
# TO_ADDR:9000.
xfer() {
	local out=$NSL_TMP/xfer-$4
	ip netns exec "$2" "$FSC_BIN/wgxfer" serve "$3" 9000 >"$out.srv" 2>&1 &
	local srv=$!
	nsl_track "$srv"
	until_s "$WAIT_S" grep -q listening "$out.srv" || fail "wgxfer serve did not start"
	timeout $((4 * WAIT_S)) ip netns exec "$1" "$FSC_BIN/wgxfer" send "$3" 9000 "${5:-12000000}" "$4" \
		>"$out.cli" 2>&1 || fail "transfer $1 -> $3: $(cat "$out.cli")"
	wait "$srv"
	local l1 l2
	l1=$(sed -n 1p "$out.cli")
	l2=$(sed -n 2p "$out.cli")
	[ -n "$l1" ] && [ "$l1" = "$l2" ] ||
		fail "transfer $1 -> $3: sent '$l1', received '$l2'"
	say "  ${l1%% *} bytes $1 -> $3 ok (${l1#* })"
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
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" allowed-ips "$B_ALLOWED" \
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
	-d udp.port==41641,wg -d udp.port==51820,wg -T fields -e frame.number -e wg.type \
	-e wg.static -e wg.handshake_ok -e ip.src -e ip.dst -e ip.proto -e tcp.srcport \
	-e tcp.dstport -e udp.srcport -e udp.dstport \
	>"$NSL_TMP/tshark.tsv" 2>"$NSL_TMP/tshark.err" || fail "tshark: $(cat "$NSL_TMP/tshark.err")"
ok=$(awk -F'\t' '$4 == 1' "$NSL_TMP/tshark.tsv" | wc -l)
# ip.src/ip.dst list the outer address, then the decrypted inner one.
inner=$(awk -F'\t' '$5 ~ /,100\.64\.0\.[12]$/ && $6 ~ /,100\.64\.0\.[12]$/' \
	"$NSL_TMP/tshark.tsv" | wc -l)
tcp9000=$(awk -F'\t' '$9 ~ /9000/' "$NSL_TMP/tshark.tsv" | wc -l)
[ "$ok" -ge 2 ] || fail "tshark: $ok handshakes decrypted (wanted 2: one each way)"
[ "$inner" -ge 1000 ] || fail "tshark: only $inner decrypted inner packets"
[ "$tcp9000" -ge 100 ] || fail "tshark: inner TCP to port 9000 not seen ($tcp9000)"
# fdecode, with the same key log, must agree with tshark on every frame.
if [ -x "$FSC_BIN/fdecode" ] && [ -f "$LIB/wgd_compare.py" ]; then
	"$FSC_BIN/fdecode" -n -v --json --wg-keylog "$NSL_TMP/a.keys" "$NSL_TMP/wg.pcap" \
		>"$NSL_TMP/fdecode.jsonl" || fail "fdecode exited $?"
	"$PY" "$LIB/wgd_compare.py" "$NSL_TMP/tshark.tsv" "$NSL_TMP/fdecode.jsonl" \
		--min-inner 1000 --min-ok 2 >"$NSL_TMP/cmp.txt" 2>&1 ||
		fail "fdecode and tshark disagree on our capture: $(head -20 "$NSL_TMP/cmp.txt")"
	say "  fdecode agrees: $(tail -1 "$NSL_TMP/cmp.txt")"
fi
say "  tshark: $ok handshakes ok, $inner inner packets, $tcp9000 to tcp/9000"

say "4. IPv6 inside, and roaming"
# (After the capture of 1-3: wgd_compare.py compares inner IPv4 fields.)
xfer "$NSL_A" "$NSL_B" fd7a:115c:a1e0::2 3 2000000
wg set "$NSL_WB" listen-port 51821
ping_from "$NSL_B" 100.64.0.1 2 || fail "ping B -> A from the new port"
"$FSC_BIN/fwg" show "$NSL_TMP/a.sock" dump | grep -q $'\t198.18.0.2:51821\t' ||
	fail "endpoint did not roam: $("$FSC_BIN/fwg" show "$NSL_TMP/a.sock" dump | tail -1)"
ping_from "$NSL_A" 100.64.0.2 2 || fail "ping A -> B after roaming"
# ... and across families: B now reaches us over the IPv6 underlay.
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" endpoint "[2001:db8::1]:41641"
ping_from "$NSL_B" 100.64.0.1 2 || fail "ping B -> A over the IPv6 underlay"
"$FSC_BIN/fwg" show "$NSL_TMP/a.sock" dump | grep -q $'\t\\[2001:db8::2\\]:51821\t' ||
	fail "endpoint did not roam to IPv6: $("$FSC_BIN/fwg" show "$NSL_TMP/a.sock" dump | tail -1)"
ping_from "$NSL_A" 100.64.0.2 2 || fail "ping A -> B over the IPv6 underlay"

say "5. cookies under load"
nsl_capture_start "$NSL_A" "$NSL_VA" "$NSL_TMP/load.pcap" udp
CAP=$NSL_PID
# 2400 initiations at 200/s: 12 s of load, of which wireguard-go's first
# initiation needs the start (its retry, 5 s later, carries the cookie).
ip netns exec "$NSL_B" "$FSC_BIN/wgspray" --bind 198.18.0.3 198.18.0.1 41641 \
	"$(cat "$K/a.pub")" 2400 200 >"$NSL_TMP/spray.json" 2>&1 &
SPRAY=$!
nsl_track "$SPRAY"
cookies_flowing() { [ "$(json_field cookies_sent)" -ge 1 ]; }
until_s "$WAIT_S" cookies_flowing || fail "no cookie reply to the spray in $WAIT_S s"
# wireguard-go forgets its session and must handshake through the flood;
# its ping waits in its queue until the handshake is done.
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" remove
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" allowed-ips "$B_ALLOWED" \
	endpoint "198.18.0.1:41641"
ping_from "$NSL_B" 100.64.0.1 1 "$WAIT_S" || fail "no handshake through the flood in $WAIT_S s"
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
[ "$hs" -ge 2 ] || fail "no rekey in 40 pings (8 s at least) with rekey-after 6 s ($hs handshakes)"
say "  $hs handshakes in 40 pings, no ping lost"

say "7. persistent keepalive cadence"
fwg_stop
write_conf "$NSL_TMP/ka.conf" 1
nsl_capture_start "$NSL_A" "$NSL_VA" "$NSL_TMP/ka.pcap" udp
CAP=$NSL_PID
fwg_start "$NSL_TMP/ka.conf"
t_ka=$SECONDS
six_keepalives() { [ "$(json_field keepalives_sent)" -ge 6 ]; }
until_s $((2 * WAIT_S)) six_keepalives ||
	fail "$(json_field keepalives_sent) keepalives in $((2 * WAIT_S)) s (1 s apart wanted)"
t_ka=$((SECONDS - t_ka))
nsl_stop "$CAP"
tshark -n -r "$NSL_TMP/ka.pcap" -Y 'udp.srcport == 41641 && udp.length == 40' -T fields -e frame.time_relative \
	>"$NSL_TMP/ka.txt" 2>/dev/null
n=$(wc -l <"$NSL_TMP/ka.txt")
# (tcpdump -U wrote each as it came; the 6th may still have been on its way)
[ "$n" -ge 5 ] || fail "$n keepalives on the wire (fwg counted 6 or more)"
# Never early (the timer is re-armed by every packet sent, so load only
# delays), about 1 s typically, no stall.
gaps=$(awk 'NR > 1 { print $1 - prev } { prev = $1 }' "$NSL_TMP/ka.txt" | sort -g)
echo "$gaps" | awk '{ g[NR] = $1 } END {
	med = g[int((NR + 1) / 2)]
	printf "min %.3f median %.3f max %.3f\n", g[1], med, g[NR]
	exit !(g[1] >= 0.6 && med >= 0.6 && med <= 1.7 && g[NR] <= 5) }' >"$NSL_TMP/ka.gaps" ||
	fail "keepalive gaps off 1 s ($(cat "$NSL_TMP/ka.gaps")): $(tr '\n' ' ' <"$NSL_TMP/ka.txt")"
say "  $n keepalives in ${t_ka} s, gaps $(cat "$NSL_TMP/ka.gaps") s"

fwg_stop
! grep -l 'Sanitizer' "$NSL_TMP"/fwg*.log >/dev/null 2>&1 || fail "sanitizer report in fwg's log"
echo "wg_engine_interop: PASS"
