#!/bin/bash
# wg_engine_lwip.sh: two engine processes (fwg --lwip) carry TCP through a
# WireGuard tunnel over loopback UDP, each with its own userspace TCP/IP
# stack (lwIP), with no privileges: no TUN, no namespaces. When started as
# root, the engines and the transfer run as `nobody` to prove it.
#
#   wgxfer send -> 127.0.0.1:L4 -> fwg A --forward-out L4=100.64.0.2:80
#     -> lwIP A -> WireGuard/UDP 127.0.0.1 -> fwg B (lwIP B, listener :80)
#     --forward-in 80=127.0.0.1:S -> wgxfer serve
#
# Checks: 24 MB over inner IPv4 and 8 MB over inner IPv6 (to
# fd7a:115c:a1e0::2) arrive with equal SHA-256; then four 3 MB transfers at
# once (the bridge multiplexes connections); both engines report a
# handshake and no packet over the MTU; B, started with WG_KEYLOGFILE set,
# wrote its key log (mode 0600).
#
# exit: 0 pass, 1 fail, 77 skipped (wg, used for keys, is missing).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}

skip() { echo "wg_engine_lwip: SKIP: $*" >&2; exit 77; }
command -v wg >/dev/null || skip "missing: wg (wireguard-tools, for keys)"
for b in fwg wgxfer; do
	[ -x "$FSC_BIN/$b" ] || { echo "wg_engine_lwip: FAIL: $FSC_BIN/$b not built" >&2; exit 1; }
done

. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init TMP wg_engine_lwip
chmod 755 "$TMP"
fail() {
	echo "wg_engine_lwip: FAIL: $*" >&2
	for f in "$TMP"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -5 "$f" >&2; }; done
	exit 1
}
say() { echo "wg_engine_lwip: $*" >&2; }

# As root, run the tunnel as nobody: nothing here may need privileges.
AS=()
if [ "$(id -u)" -eq 0 ]; then
	AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	say "running the engines as nobody"
fi

(umask 077; wg genkey >"$TMP/a.key"; wg genkey >"$TMP/b.key")
wg pubkey <"$TMP/a.key" >"$TMP/a.pub"
wg pubkey <"$TMP/b.key" >"$TMP/b.pub"
# Ports from the PID (20000-29999, below the ephemeral range).
base=$((20000 + ($$ % 1600) * 6))
PA=$base PB=$((base + 1)) L4=$((base + 2)) L6=$((base + 3)) S=$((base + 4))

cat >"$TMP/a.conf" <<EOF
[Interface]
PrivateKey = $(cat "$TMP/a.key")
ListenPort = $PA
Address = 100.64.0.1/32, fd7a:115c:a1e0::1/128

[Peer]
PublicKey = $(cat "$TMP/b.pub")
Endpoint = 127.0.0.1:$PB
AllowedIPs = 100.64.0.2/32, fd7a:115c:a1e0::2/128
EOF
cat >"$TMP/b.conf" <<EOF
[Interface]
PrivateKey = $(cat "$TMP/b.key")
ListenPort = $PB
Address = 100.64.0.2/32, fd7a:115c:a1e0::2/128

[Peer]
PublicKey = $(cat "$TMP/a.pub")
AllowedIPs = 100.64.0.1/32, fd7a:115c:a1e0::1/128
EOF
[ ${#AS[@]} -gt 0 ] && chown nobody "$TMP" "$TMP"/*.conf

WG_KEYLOGFILE=$TMP/b.keys "${AS[@]}" "$FSC_BIN/fwg" up "$TMP/b.conf" --lwip --forward-in "80=127.0.0.1:$S" \
	--control "$TMP/b.sock" 2>"$TMP/fwg-b.log" &
PIDS="$PIDS $!"
"${AS[@]}" "$FSC_BIN/fwg" up "$TMP/a.conf" --lwip --forward-out "$L4=100.64.0.2:80" \
	--forward-out "$L6=[fd7a:115c:a1e0::2]:80" --control "$TMP/a.sock" 2>"$TMP/fwg-a.log" &
PIDS="$PIDS $!"
for i in $(seq 50); do
	[ -S "$TMP/a.sock" ] && [ -S "$TMP/b.sock" ] && break
	sleep 0.1
done
[ -S "$TMP/a.sock" ] && [ -S "$TMP/b.sock" ] || fail "the engines did not start"

# xfer NAME LPORT BYTES SEED: one transfer through the tunnel; background
# it with & and check with xfer_check NAME.
xfer() {
	"${AS[@]}" "$FSC_BIN/wgxfer" serve 127.0.0.1 "$S" >"$TMP/$1.srv" 2>&1 &
	local srv=$!
	for i in $(seq 50); do grep -q listening "$TMP/$1.srv" && break; sleep 0.05; done
	timeout 60 "${AS[@]}" "$FSC_BIN/wgxfer" send 127.0.0.1 "$2" "$3" "$4" >"$TMP/$1.cli" 2>&1
	wait "$srv"
}
xfer_check() {
	local l1 l2
	l1=$(sed -n 1p "$TMP/$1.cli")
	l2=$(sed -n 2p "$TMP/$1.cli")
	[ -n "$l1" ] && [ "$l1" = "$l2" ] || fail "$1: sent '$l1', received '$l2' ($(cat "$TMP/$1.cli"))"
	say "  $1: ${l1%% *} bytes, sha256 equal"
}

xfer v4 "$L4" 24000000 1
xfer_check v4
xfer v6 "$L6" 8000000 2
xfer_check v6

# Four at once through one forward: the bridge carries several tunnel
# connections side by side (one server process a connection).
"${AS[@]}" "$FSC_BIN/wgxfer" serve 127.0.0.1 "$S" 4 >"$TMP/par.srv" 2>&1 &
srv=$!
for i in $(seq 50); do grep -q listening "$TMP/par.srv" && break; sleep 0.05; done
cli=""
for k in 1 2 3 4; do
	timeout 60 "${AS[@]}" "$FSC_BIN/wgxfer" send 127.0.0.1 "$L4" 3000000 "$((10 + k))" \
		>"$TMP/par$k.cli" 2>&1 &
	cli="$cli $!"
done
for p in $cli; do wait "$p"; done
wait "$srv" || fail "parallel: a server process failed: $(cat "$TMP/par.srv")"
for k in 1 2 3 4; do xfer_check "par$k"; done

json() { "$FSC_BIN/fwg" show "$1" json | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" | head -1; }
[ "$(json "$TMP/a.sock" handshakes_completed)" -ge 1 ] || fail "A: no handshake"
[ "$(json "$TMP/b.sock" handshakes_completed)" -ge 1 ] || fail "B: no handshake"
for s in a b; do
	[ "$(json "$TMP/$s.sock" too_long)" -eq 0 ] || fail "$s: packets over the MTU"
done
# fwg show json keeps the JSON writer's rules: every line an object, a
# peer's endpoint also as an address and a port beside its "ADDR:PORT", no "".
if command -v jq >/dev/null 2>&1; then
	"$FSC_BIN/fwg" show "$TMP/a.sock" json >"$TMP/show.json"
	jq -e 'select(.type == "peer") | . as $p | ($p.endpoint_port | type == "number") and
		($p.endpoint | endswith(":\($p.endpoint_port)")) and
		($p.endpoint | contains($p.endpoint_addr))' "$TMP/show.json" >/dev/null &&
	! grep -q '""' "$TMP/show.json" ||
		fail "fwg show json: $(cat "$TMP/show.json")"
fi
# B got its key log from WG_KEYLOGFILE (no flag): as responder, its static
# and ephemeral keys, created private.
grep -q '^LOCAL_EPHEMERAL_PRIVATE_KEY = ' "$TMP/b.keys" 2>/dev/null ||
	fail "WG_KEYLOGFILE: no key log written"
[ "$(stat -c %a "$TMP/b.keys")" = 600 ] || fail "the key log is not mode 0600"
# A clean stop, and no sanitizer report (ASan builds) in the engines' logs.
scratch_stop
! grep -l 'Sanitizer' "$TMP"/fwg-*.log >/dev/null 2>&1 || fail "sanitizer report in an engine's log"
echo "wg_engine_lwip: PASS"
