#!/bin/bash
# wg_tshark.sh: fdecode and tshark must agree on every WireGuard packet of a
# fresh wireguard-go capture: same frame number, message type, sender,
# receiver, counter and length, and neither may report a packet the other
# lacks.
#
# Traffic (made now, inside two throw-away namespaces, lib/netns.sh):
# wireguard-go on both ends of a veth pair (198.18.0.1:41641 and
# 198.18.0.2:51820, tunnel 100.64.0.1/.2), captured on A's veth with tcpdump:
# handshake initiated by A, pings both ways, persistent keepalives, a second
# handshake initiated by B, then the IPv6 underlay (2001:db8::1/2) with a
# third handshake.
#
# usage: wg_tshark.sh [PCAP]
#   With PCAP, no traffic is made (and root is not needed): only the
#   comparison runs, e.g. on captures/wg-tunnel.pcap.
# env: FSC_BIN (fdecode's folder; default build/bin), FSC_SRC (source root).
# exit: 0 agreement, 1 disagreement or failure, 77 skipped (not root, or
# wireguard-go/wg/tcpdump/tshark/python3 missing, or fdecode not part of
# this tree yet).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
LIB=$FSC_SRC/tests/integration/lib
. "$LIB/netns.sh"
# shellcheck disable=SC2034 # used by nsl_die before nsl_init
NSL_PROG=wg_tshark

skip() { echo "wg_tshark: SKIP: $*" >&2; exit 77; }
fail() { echo "wg_tshark: FAIL: $*" >&2; exit 1; }

PCAP=${1:-}
if [ -z "$PCAP" ]; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, tcpdump)"
	miss=$(nsl_missing ip wireguard-go wg tcpdump tshark python3)
else
	miss=$(nsl_missing tshark python3)
fi
[ -z "$miss" ] || skip "missing: $miss (scripts/deps.sh installs them)"
if [ ! -x "$FSC_BIN/fdecode" ]; then
	# Before fdecode exists in the tree this test has nothing to compare.
	[ -e "$FSC_SRC/tools/fdecode/main.c" ] ||
		skip "fdecode is not part of this source tree yet"
	fail "$FSC_BIN/fdecode not built (set FSC_BIN to the build's bin/)"
fi

nsl_init wg_tshark
PY=python3
TRAFFIC=$FSC_SRC/captures/gen/tunnel_traffic.py
export PYTHONDONTWRITEBYTECODE=1

make_traffic() {
	local k=$NSL_TMP/keys cap
	mkdir -p "$k"
	nsl_wg_underlay wgt
	nsl_capture_start "$NSL_A" "$NSL_VA" "$PCAP"
	cap=$NSL_PID
	nsl_wg_up "$k" 1
	nsl_wait_for 5 nsl_wg_has_handshake "$NSL_WA" || fail "no handshake"
	ip netns exec "$NSL_A" "$PY" "$TRAFFIC" ping 100.64.0.2 3 ||
		fail "ping A -> B through the tunnel"
	sleep 2.3	# persistent keepalives (1 s) while idle
	# B forgets A and learns it again: B initiates the next handshake.
	wg set "$NSL_WB" peer "$(cat "$k/a.pub")" remove
	wg set "$NSL_WB" peer "$(cat "$k/a.pub")" allowed-ips 100.64.0.1/32 \
		endpoint "198.18.0.1:$NSL_PORT_A"
	ip netns exec "$NSL_B" "$PY" "$TRAFFIC" ping 100.64.0.1 2 ||
		fail "ping B -> A after B re-added its peer"
	# IPv6 underlay and a handshake over it.
	wg set "$NSL_WA" peer "$(cat "$k/b.pub")" remove
	wg set "$NSL_WA" peer "$(cat "$k/b.pub")" allowed-ips 100.64.0.2/32 \
		endpoint "[2001:db8::2]:$NSL_PORT_B" persistent-keepalive 1
	ip netns exec "$NSL_A" "$PY" "$TRAFFIC" ping 100.64.0.2 2 ||
		fail "ping A -> B over the IPv6 underlay"
	sleep 1.3
	nsl_stop "$cap"
}

if [ -z "$PCAP" ]; then
	PCAP=$NSL_TMP/wg.pcap
	make_traffic
fi
[ -r "$PCAP" ] || fail "cannot read $PCAP"

# tshark: force the WireGuard dissector on both listen ports; leave out WG
# quoted inside ICMP errors (fdecode reports the outer packet only).
tshark -n -r "$PCAP" -d udp.port==41641,wg -d udp.port==51820,wg \
	-Y 'wg && !icmp && !icmpv6' -T fields -E separator=, \
	-e frame.number -e wg.type -e wg.sender -e wg.receiver -e wg.counter \
	-e udp.length >"$NSL_TMP/tshark.csv" 2>"$NSL_TMP/tshark.err" ||
	fail "tshark: $(cat "$NSL_TMP/tshark.err")"

"$FSC_BIN/fdecode" --json "$PCAP" >"$NSL_TMP/fdecode.jsonl" \
	2>"$NSL_TMP/fdecode.err" ||
	fail "fdecode --json $PCAP exited $?: $(head -5 "$NSL_TMP/fdecode.err")"

require=""
[ -z "${1:-}" ] && require="--require initiation,response,transport,keepalive"
# shellcheck disable=SC2086 # $require is empty or two words
if ! $PY "$LIB/wg_compare.py" $require "$NSL_TMP/tshark.csv" \
	"$NSL_TMP/fdecode.jsonl"; then
	if [ -z "${1:-}" ]; then
		keep=/tmp/wg_tshark-fail-$$.pcap
		cp "$PCAP" "$keep" && echo "wg_tshark: capture kept in $keep" >&2
	fi
	fail "fdecode and tshark disagree (diff above)"
fi
echo "wg_tshark: PASS"
