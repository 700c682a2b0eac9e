#!/bin/sh
# bench_correlate.sh - the correlation rows of `make bench` (issue 13 item
# 6): fdecode with and without --correlate on a large three-vantage
# capture, BENCH_STORIES public requests (default 10000, 53 packets each)
# made by tests/gen/stories.py from the lab's one real request
# (captures/correlate): the public side at the edge, the node's TUN (the
# ingress in the clear), the node's lo. Every story joins (edge
# address+time, request address+time). Both runs print --summary, so the
# difference is the correlation and its "where the time goes" tables;
# the cost per request is that difference in CPU time over the stories.
# Prints a markdown section on standard output (bench.sh appends it).
# usage: bench_correlate.sh BIN_DIR OUT_DIR
# env: BENCH_STORIES, BENCH_RUNS (median of; default 5).
set -eu
BIN=$1
OUT=$2
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_STORIES:-10000}
RUNS=${BENCH_RUNS:-5}
D=$OUT/stories-$N
if [ ! -s "$D/lo.pcap" ] || [ -n "$(find "$SRC/tests/gen/stories.py" -newer "$D/lo.pcap")" ]; then
	python3 "$SRC/tests/gen/stories.py" "$N" "$D" >&2
fi
FILES="$D/public.pcap $D/inner.pcap $D/lo.pcap"
cat $FILES >/dev/null	# into the page cache

measure() {	# seconds of wall and CPU time of one run, output discarded
	"$BIN/runstat" "$OUT/corr.time" "$@" >/dev/null 2>&1
	awk '{ printf "%.6f %.6f %d\n", $1 / 1e6, ($2 + $3) / 1e6, $4 }' "$OUT/corr.time"
}
median() { sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

: >"$OUT/corr.plain"
: >"$OUT/corr.summary"
: >"$OUT/corr.stories"
i=0
while [ "$i" -lt "$RUNS" ]; do	# round-robin: a burst of load lands on all three
	# shellcheck disable=SC2086
	measure "$BIN/fdecode" -n --summary $FILES >>"$OUT/corr.plain"
	# shellcheck disable=SC2086
	measure "$BIN/fdecode" -n --correlate --summary $FILES >>"$OUT/corr.summary"
	# shellcheck disable=SC2086
	measure "$BIN/fdecode" -n --correlate $FILES >>"$OUT/corr.stories"
	i=$((i + 1))
done
# shellcheck disable=SC2086
pk=$("$BIN/fdecode" -n --summary $FILES | sed -n 's/^  packets *\([0-9]*\) .*/\1/p')
# shellcheck disable=SC2086
joined=$("$BIN/fdecode" -n --correlate --summary $FILES |
	sed -n 's/^Where the time goes: \([0-9]*\) stories; requests joined exact [0-9]*, address+time \([0-9]*\),.*/\1 stories, \2 requests joined address+time/p')
row() {	# label file
	w=$(cut -d' ' -f1 "$2" | median)
	c=$(cut -d' ' -f2 "$2" | median)
	r=$(cut -d' ' -f3 "$2" | sort -n | tail -1)
	awk -v l="$1" -v w="$w" -v c="$c" -v r="$r" -v n="$pk" 'BEGIN {
		printf "| %s | %.3f | %.3f | %.0f | %.0f | %.1f |\n", l, w, c, n / w, n / c, r / 1024 }'
}
echo "## Correlation: one story per request"
echo ""
echo "Three captures of $N public requests (\`tests/gen/stories.py $N DIR\`: the lab's one request at the edge's public side, the node's TUN and its lo, each copy with its own client address and ports, one every 2 ms, ~110 open at once): $pk packets; $joined. Median of $RUNS runs, round-robin."
echo ""
echo "| fdecode on the three files | wall s | CPU s | packets/s | packets per CPU-s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|"
row "-n --summary (no correlation)" "$OUT/corr.plain"
row "-n --correlate --summary" "$OUT/corr.summary"
row "-n --correlate (a line a story)" "$OUT/corr.stories"
awk -v n="$N" -v a="$(cut -d' ' -f2 "$OUT/corr.plain" | median)" \
    -v b="$(cut -d' ' -f2 "$OUT/corr.summary" | median)" 'BEGIN {
	printf "\nCost of correlation: %+.1f%% CPU time, %.2f us of CPU per request (the difference over %d stories).\n",
	       100 * (b - a) / a, 1e6 * (b - a) / n, n }'
echo ""
