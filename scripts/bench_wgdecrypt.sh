#!/bin/sh
# bench_wgdecrypt.sh - the decryption row of `make bench` (issue 10 item 6):
# fdecode decrypting WireGuard against tshark with the same key log, on one
# capture of BENCH_WG_PACKETS transport messages (inner 512-byte UDP) made
# by tests/tools/wgpair on libdecode's own core. Prints a markdown section
# on standard output (bench.sh appends it to doc/bench.md).
# usage: bench_wgdecrypt.sh BIN_DIR OUT_DIR
# env: BENCH_WG_PACKETS (default 200000), BENCH_RUNS (fdecode runs, median;
#      default 5), BENCH_TSHARK_RUNS (default 1). Target: >= 10x tshark.
set -eu
BIN=$1
OUT=$2
N=${BENCH_WG_PACKETS:-200000}
RUNS=${BENCH_RUNS:-5}
TRUNS=${BENCH_TSHARK_RUNS:-1}
F=$OUT/wg-decrypt-$N.pcap
K=$OUT/wg-decrypt-a.keys
[ -s "$F" ] || "$BIN/wgpair" "$F" "$K" "$OUT/wg-decrypt-b.keys" "$N" >&2

# seconds of wall and CPU time of one run of a command (output discarded),
# measured by tests/bench/runstat as the rest of the bench is
measure() {
	"$BIN/runstat" "$OUT/wgd.time" "$@" >/dev/null 2>&1
	awk '{ printf "%.6f %.6f\n", $1 / 1e6, ($2 + $3) / 1e6 }' "$OUT/wgd.time"
}
median() { sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

: >"$OUT/wgd.fdecode"
: >"$OUT/wgd.tshark"
i=0
while [ "$i" -lt "$RUNS" ]; do
	measure "$BIN/fdecode" -n --no-geoip --json --wg-keylog "$K" "$F" >>"$OUT/wgd.fdecode"
	i=$((i + 1))
done
i=0
while [ "$i" -lt "$TRUNS" ]; do
	measure tshark -n -r "$F" -o "wg.keylog_file:$K" -T fields -e frame.number \
		-e ip.src -e ip.dst -e ip.proto -e udp.srcport >>"$OUT/wgd.tshark"
	i=$((i + 1))
done
frames=$("$BIN/fdecode" -n --no-geoip --summary --wg-keylog "$K" "$F" |
	sed -n 's/^  packets *\([0-9]*\).*/\1/p')
dec=$("$BIN/fdecode" -n --no-geoip --summary --wg-keylog "$K" "$F" |
	sed -n 's/^  transport decrypted *\([0-9]*\)$/\1/p')
fw=$(cut -d' ' -f1 "$OUT/wgd.fdecode" | median)
fc=$(cut -d' ' -f2 "$OUT/wgd.fdecode" | median)
tw=$(cut -d' ' -f1 "$OUT/wgd.tshark" | median)
tc=$(cut -d' ' -f2 "$OUT/wgd.tshark" | median)
echo "## WireGuard decryption"
echo ""
echo "\`wgpair\` capture: $frames frames, $dec transport messages decrypted (inner 512-byte UDP), one key log (\`LOCAL_STATIC_PRIVATE_KEY\`, \`REMOTE_STATIC_PUBLIC_KEY\`, \`LOCAL_EPHEMERAL_PRIVATE_KEY\`). fdecode: \`fdecode -n --no-geoip --json --wg-keylog KEYS FILE\`, median of $RUNS; tshark: \`tshark -n -r FILE -o wg.keylog_file:KEYS -T fields -e frame.number -e ip.src -e ip.dst -e ip.proto -e udp.srcport\`, median of $TRUNS."
echo ""
echo "| program | wall s | CPU s | packets/s | packets per CPU-s |"
echo "|---|---:|---:|---:|---:|"
awk -v n="$frames" -v fw="$fw" -v fc="$fc" -v tw="$tw" -v tc="$tc" 'BEGIN {
	printf "| fdecode --wg-keylog | %.3f | %.3f | %.0f | %.0f |\n", fw, fc, n / fw, n / fc
	printf "| tshark -o wg.keylog_file | %.3f | %.3f | %.0f | %.0f |\n", tw, tc, n / tw, n / tc
	r = tw / fw; c = tc / fc
	printf "\nfdecode / tshark: %.1fx packets/s, %.1fx per CPU-second. Target >= 10x: %s.\n",
	       r, c, (r >= 10 && c >= 10) ? "met" : "NOT met"
}'
echo ""
