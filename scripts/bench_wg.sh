#!/bin/bash
# bench_wg.sh - part of `make bench`: TCP throughput through a WireGuard
# tunnel, our engine (fwg --tun) against wireguard-go, on the same veth
# path between two throw-away namespaces, in one run. iperf3 measures;
# the CPU seconds of the two tunnel processes (user + system, from
# /proc/PID/stat) are divided by the bytes carried. Also complete handshakes
# a second through the core (tests/bench/wghandshakes). Prints a table and
# the ratio, and writes doc/bench-wg.md. And transport messages a second
# into the engine with 1 peer and with 4096 (tests/bench/wgpeers), where a
# session found by a scan over the peers would show.
#
# Environment (all optional):
#   BENCH_WG_SECONDS  seconds of each iperf3 run (default 5)
#   BENCH_WG_ROUNDS   rounds, alternating ours / wireguard-go (default 3);
#                     the median of each is reported
#   BENCH_BUILD       build directory (default build-bench, Release)
#   BENCH_WG_DOC      markdown output (default doc/bench-wg.md; empty: none)
# Needs root (namespaces, TUN); skipped with a message otherwise.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
SECS=${BENCH_WG_SECONDS:-5}
ROUNDS=${BENCH_WG_ROUNDS:-3}
BUILD=${BENCH_BUILD:-$SRC/build-bench}
DOC=${BENCH_WG_DOC-$SRC/doc/bench-wg.md}
. "$SRC/tests/integration/lib/netns.sh"
NSL_PROG=bench_wg

if [ "$(id -u)" -ne 0 ]; then
	echo "bench_wg: skipped: needs root (network namespaces, TUN devices)" >&2
	exit 0
fi
miss=$(nsl_missing ip wireguard-go wg iperf3 python3 cmake)
[ -z "$miss" ] || nsl_die "missing: $miss (scripts/deps.sh)"

if [ ! -x "$BUILD/bin/fwg" ]; then
	cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null || nsl_die "cmake failed"
fi
cmake --build "$BUILD" --target fwg wghandshakes wgpeers -j "$(nproc)" >/dev/null ||
	nsl_die "building fwg, wghandshakes and wgpeers failed"
FWG=$BUILD/bin/fwg
HS=$("$BUILD/bin/wghandshakes" 3) || nsl_die "wghandshakes failed"
HS=${HS##* }

nsl_init bench_wg

wgpeers_rate() { # PEERS: messages a second, the median of three runs
	local r out=$NSL_TMP/wgpeers.$1
	for r in 1 2 3; do
		"$BUILD/bin/wgpeers" "$1" >>"$out" || return 1
	done
	awk '{print $NF}' "$out" | sort -n | sed -n 2p
}
PEERS1=$(wgpeers_rate 1) && PEERSN=$(wgpeers_rate 4096) || nsl_die "wgpeers failed"
K=$NSL_TMP/keys
mkdir -p "$K"
nsl_wg_underlay bw
nsl_wg_key "$K" a
nsl_wg_key "$K" b
RES=$NSL_TMP/results	# kind gbit_s cpu_s_per_gb

conf() { # conf SELF PEER PORT PEERPORT ADDR PEERADDR [ENDPOINT]
	cat <<EOF
[Interface]
PrivateKey = $(cat "$K/$1.key")
ListenPort = $3
Address = $5/32
[Peer]
PublicKey = $(cat "$K/$2.pub")
AllowedIPs = $6/32
${7:+Endpoint = $7}
EOF
}

cpu_ticks() { # cpu_ticks PID...: utime + stime
	local t=0 p
	for p in "$@"; do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}

# measure KIND PID_A PID_B: one iperf3 run A -> B; appends to $RES.
measure() {
	local kind=$1 pa=$2 pb=$3 c0 c1 out=$NSL_TMP/iperf-$1-$RANDOM.json
	ip netns exec "$NSL_B" iperf3 -s -1 -B 100.64.0.2 >/dev/null 2>&1 &
	local srv=$!
	nsl_track "$srv"
	nsl_wait_for 5 sh -c "ip netns exec $NSL_B ss -Hltn 'sport = :5201' | grep -q ." ||
		nsl_die "iperf3 server did not start"
	c0=$(cpu_ticks "$pa" "$pb")
	ip netns exec "$NSL_A" iperf3 -c 100.64.0.2 -t "$SECS" -J >"$out" 2>&1 ||
		nsl_die "iperf3 through $kind failed: $(tail -3 "$out")"
	c1=$(cpu_ticks "$pa" "$pb")
	wait "$srv" 2>/dev/null
	python3 - "$out" "$kind" "$((c1 - c0))" "$(getconf CLK_TCK)" >>"$RES" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["end"]["sum_received"]
gb = r["bytes"] / 1e9
cpu = int(sys.argv[3]) / int(sys.argv[4])
print("%s %.3f %.2f" % (sys.argv[2], r["bits_per_second"] / 1e9, cpu / gb))
EOF
}

ours_up() {
	conf a b 41641 51820 100.64.0.1 100.64.0.2 198.18.0.2:51820 >"$NSL_TMP/a.conf"
	conf b a 51820 41641 100.64.0.2 100.64.0.1 >"$NSL_TMP/b.conf"
	ip netns exec "$NSL_A" "$FWG" up "$NSL_TMP/a.conf" --tun "$NSL_WA" 2>/dev/null &
	PA=$!
	nsl_track "$PA"
	ip netns exec "$NSL_B" "$FWG" up "$NSL_TMP/b.conf" --tun "$NSL_WB" 2>/dev/null &
	PB=$!
	nsl_track "$PB"
	nsl_wait_for 5 ip -n "$NSL_A" link show "$NSL_WA" || nsl_die "fwg A"
	nsl_wait_for 5 ip -n "$NSL_B" link show "$NSL_WB" || nsl_die "fwg B"
}

go_up() {
	nsl_wg_start "$NSL_A" "$NSL_WA"
	PA=$NSL_PID
	nsl_wg_start "$NSL_B" "$NSL_WB"
	PB=$NSL_PID
	ip -n "$NSL_A" addr add 100.64.0.1 peer 100.64.0.2 dev "$NSL_WA"
	ip -n "$NSL_B" addr add 100.64.0.2 peer 100.64.0.1 dev "$NSL_WB"
	ip -n "$NSL_A" link set "$NSL_WA" up
	ip -n "$NSL_B" link set "$NSL_WB" up
	wg set "$NSL_WB" listen-port 51820 private-key "$K/b.key" \
		peer "$(cat "$K/a.pub")" allowed-ips 100.64.0.1/32 || nsl_die "wg set B"
	wg set "$NSL_WA" listen-port 41641 private-key "$K/a.key" \
		peer "$(cat "$K/b.pub")" endpoint 198.18.0.2:51820 allowed-ips 100.64.0.2/32 ||
		nsl_die "wg set A"
}

down() {
	nsl_stop "$PA"
	nsl_stop "$PB"
	nsl_wait_for 5 sh -c "! ip -n $NSL_A link show $NSL_WA && ! ip -n $NSL_B link show $NSL_WB" ||
		nsl_die "tunnel interfaces did not go away"
	rm -f "/var/run/wireguard/$NSL_WA.sock" "/var/run/wireguard/$NSL_WB.sock"
}

: >"$RES"
for r in $(seq "$ROUNDS"); do
	nsl_log "round $r/$ROUNDS: fwg"
	ours_up
	measure fwg "$PA" "$PB"
	down
	nsl_log "round $r/$ROUNDS: wireguard-go"
	go_up
	measure wireguard-go "$PA" "$PB"
	down
done

python3 - "$RES" "$SECS" "$ROUNDS" "$DOC" "$HS" "$PEERS1" "$PEERSN" <<'EOF'
import statistics, sys, datetime, platform, os
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for k, g, c in rows:
    by.setdefault(k, []).append((float(g), float(c)))
med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
       for k, v in by.items()}
ours, go = med["fwg"], med["wireguard-go"]
lines = [
    "| tunnel | Gbit/s (median of %s, %s s each) | CPU s / GB (both ends) |" % (sys.argv[3], sys.argv[2]),
    "|---|---|---|",
    "| fwg (funnelscope engine, TUN) | %.3f | %.2f |" % ours,
    "| wireguard-go 0.0.20220316 | %.3f | %.2f |" % go,
    "",
    "throughput ratio fwg / wireguard-go: **%.2f**; CPU per GB ratio: %.2f" % (ours[0] / go[0], ours[1] / go[1]),
    "",
    "complete handshakes a second (libdecode's core, both roles in one thread, tests/bench/wghandshakes): %s" % sys.argv[5],
    "",
    "transport messages a second into the engine (60-byte packets opened and delivered, tests/bench/wgpeers, median of 3): 1 peer %s, 4096 peers %s" % (sys.argv[6], sys.argv[7]),
]
print("\n".join(lines))
if sys.argv[4]:
    with open(sys.argv[4], "w") as f:
        f.write("# WireGuard tunnel throughput: fwg against wireguard-go\n\n")
        f.write("`make bench` (scripts/bench_wg.sh), %s, %d cores, load %s.\n"
                "iperf3 TCP from namespace A to B through the tunnel over one veth pair;\n"
                "both ends run the same implementation. CPU is user + system time of\n"
                "the two tunnel processes during the run.\n\n"
                % (datetime.date.today(), os.cpu_count(), open("/proc/loadavg").read().split()[0]))
        f.write("\n".join(lines) + "\n\nAll runs (kind, Gbit/s, CPU s/GB):\n\n```\n")
        f.write("".join(" ".join(r) + "\n" for r in rows) + "```\n")
EOF
