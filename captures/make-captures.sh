#!/bin/bash
# make-captures.sh: regenerates the sample captures in this folder from real
# programs (wireguard-go, coturn, openssl) running in throw-away network
# namespaces, plus the crafted ones (gen/*.py).  See README.md for what each
# file holds.
#
# usage: sudo captures/make-captures.sh [STEP...]
#   steps: wg stun tls disco tsdebug linktypes ip verify (default: all, in
#   that order; disco, tsdebug and linktypes read files the earlier steps
#   wrote).  Idempotent: every run rewrites its outputs.
#   Not in the default: wgdecrypt (wg-ours-go.*; needs the build's wgpeer,
#   FSC_BIN, default build/bin).
#
# Traffic stays inside namespaces this script creates (underlay 198.18.0.0/15,
# tunnel 100.64.0.0/10, no default route anywhere); everything it starts is
# stopped by PID and every namespace deleted by name on exit.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(dirname "$HERE")
. "$SRC/tests/integration/lib/netns.sh"
NSL_PROG=make-captures

[ "$(id -u)" -eq 0 ] || nsl_die "needs root (namespaces, tcpdump); try: sudo $0"
miss=$(nsl_missing ip wireguard-go wg tcpdump tshark editcap turnserver \
	turnutils_stunclient openssl)
[ -z "$miss" ] || nsl_die "missing programs: $miss (see scripts/deps.sh)"

# python3 with PyNaCl (Debian python3-nacl); a pyenv python earlier in PATH
# may lack it, so prefer the system one.
PY=""
for c in ${PYTHON:-} /usr/bin/python3 python3; do
	if "$c" -c 'import nacl.public' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || nsl_die "no python3 with the nacl module (python3-nacl)"

nsl_init make-captures
GEN=$HERE/gen
export PYTHONDONTWRITEBYTECODE=1

# ---------------------------------------------------------------------------
# wg-tunnel.pcap: wireguard-go between two namespaces, captured on A's veth.
step_wg() {
	local k=$NSL_TMP/keys out=$NSL_TMP/wg-tunnel.pcap cap
	mkdir -p "$k"
	nsl_log "wg: namespaces, veth, tcpdump"
	nsl_wg_underlay cap
	nsl_capture_start "$NSL_A" "$NSL_VA" "$out"
	cap=$NSL_PID

	# 1st handshake: A initiates as soon as its persistent keepalive is set.
	nsl_wg_up "$k" 2
	nsl_wait_for 5 nsl_wg_has_handshake "$NSL_WA" || nsl_die "wg: no handshake"
	ip netns exec "$NSL_A" "$PY" "$GEN/tunnel_traffic.py" ping 100.64.0.2 3 ||
		nsl_die "wg: ping through the tunnel failed"

	# A little UDP and TCP through the tunnel.
	nsl_bg "$NSL_B" "$PY" "$GEN/tunnel_traffic.py" serve 100.64.0.2
	local srv=$NSL_PID
	sleep 0.3
	ip netns exec "$NSL_A" "$PY" "$GEN/tunnel_traffic.py" client 100.64.0.2 ||
		nsl_die "wg: UDP/TCP through the tunnel failed"
	nsl_stop "$srv"

	# Idle: A's persistent keepalive (2 s) goes out; B answers nothing.
	sleep 4.5

	# 2nd handshake, initiated by B: B forgets A and learns it again.
	nsl_log "wg: second handshake (B initiates)"
	wg set "$NSL_WB" peer "$(cat "$k/a.pub")" remove
	wg set "$NSL_WB" peer "$(cat "$k/a.pub")" allowed-ips 100.64.0.1/32 \
		endpoint "198.18.0.1:$NSL_PORT_A"
	ip netns exec "$NSL_B" "$PY" "$GEN/tunnel_traffic.py" ping 100.64.0.1 2 ||
		nsl_die "wg: ping after re-adding the peer failed"

	# IPv6 underlay: A moves B's endpoint to 2001:db8::2 (B roams with it),
	# then a 3rd handshake over IPv6 by re-adding the peer on A.
	nsl_log "wg: IPv6 underlay, third handshake"
	wg set "$NSL_WA" peer "$(cat "$k/b.pub")" endpoint "[2001:db8::2]:$NSL_PORT_B"
	ip netns exec "$NSL_A" "$PY" "$GEN/tunnel_traffic.py" ping 100.64.0.2 2 ||
		nsl_die "wg: ping over the IPv6 underlay failed"
	wg set "$NSL_WA" peer "$(cat "$k/b.pub")" remove
	wg set "$NSL_WA" peer "$(cat "$k/b.pub")" allowed-ips 100.64.0.2/32 \
		endpoint "[2001:db8::2]:$NSL_PORT_B" persistent-keepalive 2
	ip netns exec "$NSL_A" "$PY" "$GEN/tunnel_traffic.py" ping 100.64.0.2 2 ||
		nsl_die "wg: ping after the IPv6 handshake failed"
	sleep 2.5

	nsl_stop "$cap"
	cp "$out" "$HERE/wg-tunnel.pcap"
	{
		echo "# Static keys of the two wireguard-go peers in wg-tunnel.pcap"
		echo "# (fresh from wg genkey on $(date -u +%Y-%m-%d) by make-captures.sh)."
		echo "# A = 198.18.0.1 / 2001:db8::1 port $NSL_PORT_A, tunnel 100.64.0.1"
		echo "# B = 198.18.0.2 / 2001:db8::2 port $NSL_PORT_B, tunnel 100.64.0.2"
		echo "A_PRIVATE=$(cat "$k/a.key")"
		echo "A_PUBLIC=$(cat "$k/a.pub")"
		echo "B_PRIVATE=$(cat "$k/b.key")"
		echo "B_PUBLIC=$(cat "$k/b.pub")"
	} >"$HERE/wg-tunnel.keys"
	# Wireshark key log (wg.keylog_file): static keys only, so it can name
	# the receiver (mac1) and open the static/timestamp of initiations; the
	# ephemeral keys never leave wireguard-go, so transport stays opaque.
	{
		echo "LOCAL_STATIC_PRIVATE_KEY = $(cat "$k/a.key")"
		echo "REMOTE_STATIC_PUBLIC_KEY = $(cat "$k/b.pub")"
		echo "LOCAL_STATIC_PRIVATE_KEY = $(cat "$k/b.key")"
		echo "REMOTE_STATIC_PUBLIC_KEY = $(cat "$k/a.pub")"
	} >"$HERE/wg-tunnel.keylog"

	# Tear the pair down now so later steps can reuse the names.
	local p
	for p in $NSL_PIDS; do nsl_stop "$p"; done
	ip netns del "$NSL_A"
	ip netns del "$NSL_B"
	NSL_NETNS=""
	nsl_log "wg: wrote wg-tunnel.pcap ($(stat -c %s "$HERE/wg-tunnel.pcap") bytes)"
}

# ---------------------------------------------------------------------------
# stun.pcap: coturn's turnserver (--stun-only) and turnutils_stunclient.
# Server namespace: 198.18.1.1 and 198.18.1.2 (two addresses, so coturn
# offers RFC 5780 OTHER-ADDRESS and the client runs its NAT behaviour tests)
# and 2001:db8:1::1; one turnserver on 3478, another on 13478 (alternate
# port 13479).  Client namespace: 198.18.1.100, 2001:db8:1::100.
turn_start() {
	local ns=$1 name=$2
	shift 2
	nsl_bg "$ns" turnserver -n --stun-only --no-tls --no-dtls --no-tcp \
		--no-cli --pidfile "$NSL_TMP/$name.pid" -b "$NSL_TMP/$name.db" \
		--log-file "$NSL_TMP/$name.log" --simple-log --no-stdout-log "$@"
}

step_stun() {
	local s="fsc-stun-s-$$" c="fsc-stun-c-$$" vs="fs$$s" vc="fs$$c" cap p
	local out=$NSL_TMP/stun.pcap
	nsl_log "stun: namespaces, two turnservers"
	nsl_ns_add "$s"
	nsl_ns_add "$c"
	nsl_veth "$s" "$vs" "$c" "$vc"
	nsl_addr "$s" "$vs" 198.18.1.1/24
	nsl_addr "$s" "$vs" 198.18.1.2/24
	nsl_addr "$s" "$vs" 2001:db8:1::1/64
	nsl_addr "$c" "$vc" 198.18.1.100/24
	nsl_addr "$c" "$vc" 2001:db8:1::100/64
	turn_start "$s" turn3478 -L 198.18.1.1 -L 198.18.1.2 -L 2001:db8:1::1 \
		-p 3478
	turn_start "$s" turn13478 -L 198.18.1.1 -L 2001:db8:1::1 -p 13478 \
		--alt-listening-port 13479
	nsl_wait_for 5 sh -c "ip netns exec $s ss -Hlun | grep -q ':3478 ' &&
		ip netns exec $s ss -Hlun | grep -q ':13478 '" ||
		nsl_die "stun: turnserver did not start (logs in $NSL_TMP)"
	nsl_capture_start "$c" "$vc" "$out" udp
	cap=$NSL_PID
	# Basic binding, then RFC 5780 tests (OTHER-ADDRESS was offered).
	ip netns exec "$c" turnutils_stunclient 198.18.1.1 >"$NSL_TMP/stun1.txt" ||
		nsl_die "stun: turnutils_stunclient 198.18.1.1 failed"
	# Non-standard port, one listening address: a plain binding only.
	ip netns exec "$c" turnutils_stunclient -p 13478 198.18.1.1 \
		>"$NSL_TMP/stun2.txt" || nsl_die "stun: port 13478 failed"
	# IPv6: XOR-MAPPED-ADDRESS xor'ed with cookie and transaction ID.
	ip netns exec "$c" turnutils_stunclient 2001:db8:1::1 \
		>"$NSL_TMP/stun3.txt" || nsl_die "stun: IPv6 failed"
	sleep 0.2
	nsl_stop "$cap"
	cp "$out" "$HERE/stun.pcap"
	for p in $NSL_PIDS; do nsl_stop "$p"; done
	ip netns del "$s"
	ip netns del "$c"
	NSL_NETNS=""
	nsl_log "stun: wrote stun.pcap ($(stat -c %s "$HERE/stun.pcap") bytes)"
}

# ---------------------------------------------------------------------------
# tls-openssl-lo.pcap: a real TLS 1.3 handshake on a namespace's loopback,
# openssl s_client (SNI node.example.ts.net, ALPN h2,http/1.1) against
# openssl s_server with a throw-away self-signed certificate.  Its
# ClientHello is what tailscale-debug.pcap carries inside the Funnel stream.
step_tls() {
	local ns="fsc-tls-$$" out=$NSL_TMP/tls.pcap cap srv
	nsl_log "tls: openssl s_server/s_client on loopback"
	nsl_ns_add "$ns"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$NSL_TMP/tls.key" -out "$NSL_TMP/tls.crt" -days 2 -nodes \
		-subj /CN=node.example.ts.net \
		-addext subjectAltName=DNS:node.example.ts.net 2>/dev/null ||
		nsl_die "tls: openssl req failed"
	nsl_capture_start "$ns" lo "$out" tcp port 8443
	cap=$NSL_PID
	nsl_bg "$ns" openssl s_server -accept 127.0.0.1:8443 -naccept 1 -quiet \
		-cert "$NSL_TMP/tls.crt" -key "$NSL_TMP/tls.key" -alpn h2,http/1.1
	srv=$NSL_PID
	nsl_wait_for 5 sh -c "ip netns exec $ns ss -Hltn | grep -q ':8443 '" ||
		nsl_die "tls: s_server did not start"
	ip netns exec "$ns" openssl s_client -connect 127.0.0.1:8443 \
		-servername node.example.ts.net -alpn h2,http/1.1 </dev/null \
		>"$NSL_TMP/s_client.txt" 2>&1 ||
		nsl_die "tls: s_client failed: $(tail -3 "$NSL_TMP/s_client.txt")"
	sleep 0.2
	nsl_stop "$srv"
	nsl_stop "$cap"
	cp "$out" "$HERE/tls-openssl-lo.pcap"
	ip netns del "$ns"
	NSL_NETNS=""
	nsl_log "tls: wrote tls-openssl-lo.pcap ($(stat -c %s "$HERE/tls-openssl-lo.pcap") bytes)"
}

# ---------------------------------------------------------------------------
# Crafted files (python3 + PyNaCl, deterministic apart from the real bytes
# they borrow from the captures above).
need() {
	local f
	for f in "$@"; do
		[ -s "$HERE/$f" ] || nsl_die "$f missing: run the step that makes it first"
	done
}

step_disco() {
	need wg-tunnel.pcap
	(cd "$GEN" && "$PY" disco.py "$HERE/wg-tunnel.pcap" "$HERE/disco.pcap" \
		"$HERE/disco.keys") || nsl_die "disco.py failed"
	nsl_log "disco: wrote disco.pcap, disco.keys"
}

step_tsdebug() {
	need tls-openssl-lo.pcap
	(cd "$GEN" && "$PY" tsdebug.py "$HERE/tls-openssl-lo.pcap" \
		"$HERE/tailscale-debug.pcap") || nsl_die "tsdebug.py failed"
	nsl_log "tsdebug: wrote tailscale-debug.pcap"
}

step_linktypes() {
	local d=$HERE/linktypes
	need wg-tunnel.pcap
	rm -rf "$d"
	(cd "$GEN" && "$PY" relink.py "$HERE/wg-tunnel.pcap" "$d") ||
		nsl_die "relink.py failed"
	editcap -F pcapng "$d/en10mb.pcap" "$d/en10mb.pcapng" &&
		editcap -F nsecpcap "$d/en10mb.pcap" "$d/en10mb-nsec.pcap" ||
		nsl_die "editcap failed"
	nsl_log "linktypes: wrote $(ls "$d" | wc -l) files in linktypes/"
}

# ip/: udp-fragmented.pcap is real (a 3000-byte datagram each way over IPv4
# and IPv6 through a veth with MTU 1500; the kernel fragments it), the
# others are crafted by gen/ipext.py.
step_ip() {
	local d=$HERE/ip out=$NSL_TMP/frag.pcap cap srv
	need wg-tunnel.pcap
	mkdir -p "$d"
	nsl_log "ip: fragmented UDP between namespaces"
	nsl_wg_underlay ip
	nsl_capture_start "$NSL_A" "$NSL_VA" "$out" \
		'(ip and udp) or (ip6 and not icmp6)'
	cap=$NSL_PID
	nsl_bg "$NSL_B" "$PY" "$GEN/tunnel_traffic.py" bigserve 9000 \
		198.18.0.2 2001:db8::2
	srv=$NSL_PID
	nsl_wait_for 5 sh -c "ip netns exec $NSL_B ss -Hlun | grep -q '\\[2001:db8::2\\]:9000'" ||
		nsl_die "ip: UDP server did not start"
	ip netns exec "$NSL_A" "$PY" "$GEN/tunnel_traffic.py" big 198.18.0.2 9000 3000 &&
		ip netns exec "$NSL_A" "$PY" "$GEN/tunnel_traffic.py" big 2001:db8::2 9000 3000 ||
		nsl_die "ip: large datagram not answered"
	nsl_stop "$srv"
	sleep 0.2
	nsl_stop "$cap"
	cp "$out" "$d/udp-fragmented.pcap"
	ip netns del "$NSL_A"
	ip netns del "$NSL_B"
	NSL_NETNS=""
	(cd "$GEN" && "$PY" ipext.py "$HERE/wg-tunnel.pcap" "$d") ||
		nsl_die "ipext.py failed"
	nsl_log "ip: wrote ip/udp-fragmented.pcap, ip/ipv6-ext-chain.pcap, ip/ipv4-options.pcap"
}

# wgdecrypt: our own peer (tests/tools/wgpeer, on libdecode's WireGuard
# core) against wireguard-go, with the key log it wrote, by the decryption
# test itself; the key log also embedded as a pcapng secrets block.
step_wgdecrypt() {
	local keep=$NSL_TMP/wgd
	mkdir -p "$keep"
	FSC_BIN=${FSC_BIN:-$SRC/build/bin} FSC_SRC=$SRC \
		bash "$SRC/tests/integration/wg_decrypt_live.sh" "$keep" >/dev/null ||
		nsl_die "wg_decrypt_live.sh failed"
	cp "$keep/live.pcap" "$HERE/wg-ours-go.pcap"
	cp "$keep/live.keys" "$HERE/wg-ours-go.keylog"
	editcap --inject-secrets "wg,$HERE/wg-ours-go.keylog" "$HERE/wg-ours-go.pcap" \
		"$HERE/wg-ours-go.pcapng" || nsl_die "editcap --inject-secrets failed"
	nsl_log "wgdecrypt: wrote wg-ours-go.pcap, wg-ours-go.keylog, wg-ours-go.pcapng"
}

# verify: every file checked with tshark (gen/check_captures.py).
step_verify() {
	(cd "$GEN" && "$PY" check_captures.py "$HERE") || nsl_die "verification failed"
}

# ---------------------------------------------------------------------------
steps="${*:-wg stun tls disco tsdebug linktypes ip verify}"
for s in $steps; do
	case $s in
	wg | stun | tls | disco | tsdebug | linktypes | ip | verify | wgdecrypt) "step_$s" ;;
	*) nsl_die "unknown step '$s' (wg stun tls disco tsdebug linktypes ip verify wgdecrypt)" ;;
	esac
done
