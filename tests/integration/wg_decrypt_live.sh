#!/bin/bash
# wg_decrypt_live.sh: decryption of a real exchange with wireguard-go.
# fdecode and tshark, given the key log our own peer wrote, must agree on
# every captured packet: the initiator's static key, handshake_ok, and of
# each decrypted inner packet its IP source, destination and protocol and
# its TCP/UDP ports (lib/wgd_compare.py).
#
# Namespace A runs tests/tools/wgpeer (built on libdecode's WireGuard core,
# a UDP socket, no TUN) as 198.18.0.1:41641 / 100.64.0.1; namespace B runs
# wireguard-go + wg as 198.18.0.2:51820 / 100.64.0.2 with an HTTP server on
# 100.64.0.2:8081. Captured on A's veth: our handshake, 3 pings, an HTTP GET
# over our peer's small TCP client; then B forgets and re-adds us and pings
# us, so wireguard-go initiates the second handshake and we respond.
# wireguard-go's ephemeral keys are not known (it logs none), but each
# handshake has ours, which is all a key log needs.
# usage: wg_decrypt_live.sh [KEEPDIR]   (KEEPDIR: keep the capture and the
#   key log there, as live.pcap and live.keys; captures/make-captures.sh
#   makes captures/wg-ours-go.* so)
# exit: 0 agreement, 1 disagreement or failure, 77 skipped (not root, or a
# tool missing).
set -u
FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
LIB=$FSC_SRC/tests/integration/lib
. "$LIB/netns.sh"
# shellcheck disable=SC2034 # used by nsl_die before nsl_init
NSL_PROG=wg_decrypt_live

skip() { echo "wg_decrypt_live: SKIP: $*" >&2; exit 77; }
fail() { echo "wg_decrypt_live: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, tcpdump)"
miss=$(nsl_missing ip wireguard-go wg tcpdump tshark python3 ss)
[ -z "$miss" ] || skip "missing: $miss (scripts/deps.sh installs them)"
[ -x "$FSC_BIN/wgpeer" ] || fail "$FSC_BIN/wgpeer not built"

nsl_init wg_decrypt_live
PY=python3
TRAFFIC=$FSC_SRC/captures/gen/tunnel_traffic.py
export PYTHONDONTWRITEBYTECODE=1
K=$NSL_TMP/keys
PCAP=$NSL_TMP/live.pcap
mkdir -p "$K"

nsl_wg_underlay wgd
nsl_wg_key "$K" a
nsl_wg_key "$K" b
nsl_wg_start "$NSL_B" "$NSL_WB"
ip -n "$NSL_B" addr add 100.64.0.2 peer 100.64.0.1 dev "$NSL_WB"
ip -n "$NSL_B" link set "$NSL_WB" up
wg set "$NSL_WB" listen-port "$NSL_PORT_B" private-key "$K/b.key" \
	peer "$(cat "$K/a.pub")" allowed-ips 100.64.0.1/32 || fail "wg set"
mkdir -p "$NSL_TMP/www" && echo "through the tunnel" >"$NSL_TMP/www/wgpeer"
nsl_bg "$NSL_B" "$PY" -m http.server 8081 --bind 100.64.0.2 --directory "$NSL_TMP/www" \
	2>"$NSL_TMP/http.log"
nsl_wait_for 15 sh -c "ip netns exec $NSL_B ss -ltn | grep -q 100.64.0.2:8081" ||
	fail "the HTTP server in B did not start"
nsl_capture_start "$NSL_A" "$NSL_VA" "$PCAP" udp
cap=$NSL_PID

ip netns exec "$NSL_A" "$FSC_BIN/wgpeer" --key "$K/a.key" --peer "$(cat "$K/b.pub")" \
	--endpoint "198.18.0.2:$NSL_PORT_B" --port "$NSL_PORT_A" --addr 100.64.0.1 \
	--peer-addr 100.64.0.2 --keylog "$NSL_TMP/a.keys" --pings 3 --http-port 8081 \
	--serve 2 --timeout 15 >"$NSL_TMP/peer.out" 2>&1 &
peer=$!
nsl_track "$peer"
nsl_wait_for 20 grep -q serving "$NSL_TMP/peer.out" ||
	{ cat "$NSL_TMP/peer.out" >&2; fail "our peer did not get through its pings and HTTP"; }
# wireguard-go initiates now: it forgets us, learns us again, pings us.
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" remove
wg set "$NSL_WB" peer "$(cat "$K/a.pub")" allowed-ips 100.64.0.1/32 \
	endpoint "198.18.0.1:$NSL_PORT_A"
ip netns exec "$NSL_B" "$PY" "$TRAFFIC" ping 100.64.0.1 2 ||
	{ cat "$NSL_TMP/peer.out" >&2; fail "ping from wireguard-go to our peer"; }
wait "$peer" || { cat "$NSL_TMP/peer.out" >&2; fail "our peer failed"; }
grep -q "^http HTTP/1.0 200" "$NSL_TMP/peer.out" ||
	fail "the GET through the tunnel was not answered 200"
grep -q "responded to a handshake" "$NSL_TMP/peer.out" ||
	fail "wireguard-go did not initiate a handshake to us"
sleep 0.3
nsl_stop "$cap"
cat "$NSL_TMP/peer.out"

tshark -n -r "$PCAP" -d udp.port==41641,wg -o "wg.keylog_file:$NSL_TMP/a.keys" \
	-T fields -e frame.number -e wg.type -e wg.static -e wg.handshake_ok -e ip.src \
	-e ip.dst -e ip.proto -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport \
	>"$NSL_TMP/t.tsv" 2>"$NSL_TMP/t.err" || fail "tshark: $(cat "$NSL_TMP/t.err")"
"$FSC_BIN/fdecode" -n -v --json --wg-keylog "$NSL_TMP/a.keys" "$PCAP" \
	>"$NSL_TMP/f.jsonl" || fail "fdecode exited $?"
# 3 pings and replies, the TCP exchange (at least 6 segments), 2 pings
# from wireguard-go and our replies: 16 inner packets at least.
if ! $PY "$LIB/wgd_compare.py" "$NSL_TMP/t.tsv" "$NSL_TMP/f.jsonl" \
	--min-inner 16 --min-ok 2; then
	keep=/tmp/wg_decrypt_live-fail-$$
	mkdir -p "$keep" && cp "$PCAP" "$NSL_TMP/a.keys" "$keep/" &&
		echo "wg_decrypt_live: capture and key log kept in $keep" >&2
	fail "fdecode and tshark disagree (above)"
fi
grep -q '"type":"http_request".*"uri":"/wgpeer".*"tunnel":{"session":' "$NSL_TMP/f.jsonl" ||
	fail "the HTTP request inside the tunnel is not an event marked with its tunnel"
if [ -n "${1:-}" ]; then
	cp "$PCAP" "$1/live.pcap" && cp "$NSL_TMP/a.keys" "$1/live.keys" ||
		fail "cannot keep the capture in $1"
fi
echo "wg_decrypt_live: PASS"
