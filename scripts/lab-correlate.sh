#!/bin/sh
# lab-correlate.sh - the ground-truth run of fdecode --correlate (issue 13,
# item 5): tests/integration/correlate_lab.sh with its mixed load scaled to
# 50 client addresses (the default "50 3 5 8": each address makes 3 curl
# runs of 5 requests on one keep-alive connection, half of the addresses
# twice at once, 8 runs at once, every fifth run with a slow backend:
# 1125 load requests, plus the 8 one at a time and the refusals). Prints
# the shares of correct, ambiguous and wrong joins with and without the
# key log, and with the node's TLS key log too (every one exact, asserted),
# and |log - capture| per stage, every stage held to 1 ms in every story
# (EACH_MS). Too slow for CI (a few minutes); CI runs the same test at
# "8 2 3 4", every story held to 25 ms and the medians to 1 ms.
#
# usage: sudo scripts/lab-correlate.sh [OUTDIR]   (or: sudo make lab-correlate)
# LOAD="A J K P" changes the load, EACH_MS the per-story bound; OUTDIR
# keeps captures, logs and stories.
set -u
[ "$(id -u)" -eq 0 ] || { echo "lab-correlate: needs root (namespaces, TUN, captures)" >&2; exit 1; }
FSC_SRC=$(cd "$(dirname "$0")/.." && pwd)
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
OUT=${1:-$(mktemp -d /tmp/lab-correlate.XXXXXX)}
mkdir -p "$OUT"
export FSC_SRC FSC_BIN
CORRELATE_LAB_LOAD=${LOAD:-50 3 5 8} CORRELATE_LAB_KEEP=$OUT CORRELATE_LAB_EACH_MS=${EACH_MS:-1} \
	bash "$FSC_SRC/tests/integration/correlate_lab.sh"
rc=$?
echo "lab-correlate: captures, logs and stories in $OUT (exit $rc)"
exit $rc
