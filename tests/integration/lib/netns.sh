# netns.sh: shared bash helpers for scripts that make real traffic inside
# throw-away network namespaces (captures/make-captures.sh and the
# integration tests).  Source it from bash; it defines functions only.
#
# Rules it enforces for its callers:
#  - every namespace, process and temp dir it creates is recorded and removed
#    by nsl_cleanup, which nsl_init installs as the EXIT trap;
#  - processes are stopped by PID, namespaces deleted by name, never by
#    pattern;
#  - no namespace gets a default route, so traffic cannot leave.
#
# Quirks learned on this machine (wireguard-go 0.0.20220316):
#  - there is no kernel WireGuard module (`ip link add type wireguard` fails),
#    so wireguard-go is used; /dev/net/tun works inside a namespace;
#  - wireguard-go has no --help: `wireguard-go --help` creates an interface
#    named "--help" and daemonizes;
#  - it keeps its UAPI socket in /var/run/wireguard/<ifname>.sock, which is
#    not per namespace: two instances both called wg0 in two namespaces
#    would fight over one socket, and `wg` (which finds userspace
#    interfaces through that directory) would reach the wrong one.  Hence
#    interface names made unique with the caller's PID.
#  - WG_PROCESS_FOREGROUND=1 (or -f) keeps it in the foreground so that
#    the PID we record is the daemon itself.

NSL_PIDS=""
NSL_NETNS=""
NSL_WGIFS=""
NSL_TMP=""
NSL_PID=""		# PID of the last process an nsl_* function started

nsl_log() { printf '%s: %s\n' "${NSL_PROG:-netns}" "$*" >&2; }
nsl_die() { nsl_log "$*"; exit 1; }

# nsl_missing CMD...: prints the commands that are not installed.
nsl_missing() {
	local c miss=""
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || miss="$miss $c"
	done
	printf '%s' "${miss# }"
}

nsl_cleanup() {
	local rc=$? pid ns i
	trap - EXIT
	# Newest first: capture processes stop before the daemons they watch.
	# shellcheck disable=SC2086 # word lists
	for pid in $(printf '%s\n' $NSL_PIDS | tac); do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $NSL_PIDS; do
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in $NSL_NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	for i in $NSL_WGIFS; do
		rm -f "/var/run/wireguard/$i.sock"
	done
	[ -n "$NSL_TMP" ] && rm -rf "$NSL_TMP"
	exit "$rc"
}

# nsl_init PROG: temp dir in $NSL_TMP and the cleanup traps.
nsl_init() {
	NSL_PROG=$1
	NSL_WGIFS=""
	NSL_TMP=$(mktemp -d "/tmp/$1.XXXXXX") || nsl_die "mktemp failed"
	trap nsl_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

nsl_track() { NSL_PIDS="$NSL_PIDS $1"; }

# nsl_ns_add NAME: a namespace with loopback up and nothing else.
nsl_ns_add() {
	ip netns add "$1" || nsl_die "cannot create namespace $1"
	NSL_NETNS="$NSL_NETNS $1"
	ip -n "$1" link set lo up
	# No IPv6 router solicitations or DAD delays on our links.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.router_solicitations=0 2>/dev/null
	return 0
}

# nsl_veth NS_A IF_A NS_B IF_B: a veth pair, one end in each namespace, up.
nsl_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		nsl_die "cannot create veth $2/$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# nsl_addr NS IF CIDR: address without duplicate address detection delay.
nsl_addr() {
	case $3 in
	*:*) ip -n "$1" addr add "$3" dev "$2" nodad ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac || nsl_die "cannot add $3 to $2 in $1"
}

# nsl_wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds.
nsl_wait_for() {
	local n=$(($1 * 20))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# nsl_listening NS PORT: waits (10 s at most) until something in NS listens
# on TCP PORT.
nsl_is_listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }
nsl_listening() { nsl_wait_for 10 nsl_is_listening "$1" "$2"; }

# nsl_wg_start NS IFNAME: wireguard-go in the foreground (background job),
# returns when its TUN interface and UAPI socket exist.  PID in $NSL_PID.
nsl_wg_start() {
	local ns=$1 ifn=$2
	[ ${#ifn} -le 15 ] || nsl_die "interface name too long: $ifn"
	[ -e "/var/run/wireguard/$ifn.sock" ] &&
		nsl_die "/var/run/wireguard/$ifn.sock exists: name in use"
	ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error \
		wireguard-go "$ifn" >"$NSL_TMP/wg-$ifn.log" 2>&1 &
	NSL_PID=$!
	nsl_track "$NSL_PID"
	NSL_WGIFS="$NSL_WGIFS $ifn"
	nsl_wait_for 5 test -S "/var/run/wireguard/$ifn.sock" &&
		nsl_wait_for 5 ip -n "$ns" link show "$ifn" ||
		{ cat "$NSL_TMP/wg-$ifn.log" >&2; nsl_die "wireguard-go $ifn did not start"; }
}

# nsl_wg_key DIR NAME: DIR/NAME.key (private) and DIR/NAME.pub from wg.
nsl_wg_key() {
	(umask 077; wg genkey >"$1/$2.key") || nsl_die "wg genkey failed"
	wg pubkey <"$1/$2.key" >"$1/$2.pub"
}

# nsl_capture_start NS IF FILE [FILTER...]: tcpdump writing FILE; returns once
# it is listening.  PID in $NSL_PID.
nsl_capture_start() {
	local ns=$1 ifn=$2 file=$3 log
	shift 3
	log="$NSL_TMP/tcpdump-$ns-$ifn.log"
	ip netns exec "$ns" tcpdump --immediate-mode -s 65535 -B 131072 -U -n \
		-i "$ifn" -w "$file" "$@" >"$log" 2>&1 &
	NSL_PID=$!
	nsl_track "$NSL_PID"
	nsl_wait_for 5 grep -q "listening on" "$log" ||
		{ cat "$log" >&2; nsl_die "tcpdump on $ns/$ifn did not start"; }
}

# nsl_stop PID: SIGTERM (tcpdump flushes and closes its file), wait for it,
# and forget it.
nsl_stop() {
	local pid=$1 p rest=""
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for p in $NSL_PIDS; do
		[ "$p" = "$pid" ] || rest="$rest $p"
	done
	NSL_PIDS=$rest
}

# nsl_bg NS CMD...: any background process in a namespace, tracked.
nsl_bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	NSL_PID=$!
	nsl_track "$NSL_PID"
}

# nsl_wg_underlay TAG: two namespaces joined by a veth pair.  Sets NSL_A NSL_B
# (namespaces), NSL_VA NSL_VB (veth ends), NSL_WA NSL_WB (names for the wg
# interfaces), NSL_PORT_A=41641 NSL_PORT_B=51820.  Underlay 198.18.0.1/.2,
# plus 2001:db8::1/.2 (documentation range) that exists only inside the
# namespaces.  Start a capture on NSL_VA between this and nsl_wg_up.
nsl_wg_underlay() {
	local tag=$1
	NSL_A="fsc-$tag-a-$$"
	NSL_B="fsc-$tag-b-$$"
	NSL_VA="fv$$a"
	NSL_VB="fv$$b"
	NSL_WA="fwg$$a"
	NSL_WB="fwg$$b"
	NSL_PORT_A=41641
	NSL_PORT_B=51820
	nsl_ns_add "$NSL_A"
	nsl_ns_add "$NSL_B"
	nsl_veth "$NSL_A" "$NSL_VA" "$NSL_B" "$NSL_VB"
	nsl_addr "$NSL_A" "$NSL_VA" 198.18.0.1/24
	nsl_addr "$NSL_B" "$NSL_VB" 198.18.0.2/24
	nsl_addr "$NSL_A" "$NSL_VA" 2001:db8::1/64
	nsl_addr "$NSL_B" "$NSL_VB" 2001:db8::2/64
}

# nsl_wg_up DIR [KA]: wireguard-go on both sides of nsl_wg_underlay, fresh
# keys in DIR/{a,b}.{key,pub}, each the other's peer; tunnel 100.64.0.1 (A)
# and 100.64.0.2 (B).  A knows B's endpoint and sends a persistent keepalive
# every KA seconds (default 2; 0 = off), which makes it start a handshake at
# once; B learns A's endpoint from that handshake.
nsl_wg_up() {
	local dir=$1 ka=${2:-2}
	nsl_wg_key "$dir" a
	nsl_wg_key "$dir" b
	nsl_wg_start "$NSL_A" "$NSL_WA"
	nsl_wg_start "$NSL_B" "$NSL_WB"
	ip -n "$NSL_A" addr add 100.64.0.1 peer 100.64.0.2 dev "$NSL_WA"
	ip -n "$NSL_B" addr add 100.64.0.2 peer 100.64.0.1 dev "$NSL_WB"
	ip -n "$NSL_A" link set "$NSL_WA" up
	ip -n "$NSL_B" link set "$NSL_WB" up
	wg set "$NSL_WB" listen-port "$NSL_PORT_B" private-key "$dir/b.key" \
		peer "$(cat "$dir/a.pub")" allowed-ips 100.64.0.1/32 ||
		nsl_die "wg set $NSL_WB failed"
	wg set "$NSL_WA" listen-port "$NSL_PORT_A" private-key "$dir/a.key" \
		peer "$(cat "$dir/b.pub")" endpoint "198.18.0.2:$NSL_PORT_B" \
		allowed-ips 100.64.0.2/32 persistent-keepalive "$ka" ||
		nsl_die "wg set $NSL_WA failed"
}

# nsl_wg_has_handshake IF: true once IF completed a handshake with its peer
# (wg reports the latest handshake time, 0 before the first).
nsl_wg_has_handshake() {
	local t
	t=$(wg show "$1" latest-handshakes 2>/dev/null | cut -f2)
	[ -n "$t" ] && [ "$t" != 0 ]
}
