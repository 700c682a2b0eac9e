#!/bin/sh
# bench_ir.sh - the cost of a change, mode by mode: instructions executed
# (valgrind's callgrind, "Collected") and peak RSS of fdecode and fwatch,
# built from a base commit and from this tree, on one generated capture.
# Instruction counts do not move with the load of a shared machine as wall
# time does: a change that costs 1% shows as 1%.
#
#   sh scripts/bench_ir.sh BASE BIN OUT
#
# BASE is a commit; BIN the directory holding this tree's Release fdecode,
# fwatch and gen_capture (scripts/bench.sh builds them); OUT a scratch
# directory (the base's sources and build are kept there, by commit, for the
# next run). Prints a markdown section; `BENCH_BASE=COMMIT make bench` runs
# it and writes the section to doc/bench-ir.md.
#
# Environment: BENCH_IR_PACKETS (default 200000: callgrind runs a program
# 30-50 times slower), BENCH_SEED (default 1), BENCH_IR_LIMIT (default 5:
# the percent a mode may cost more before it is marked).
set -eu

[ $# -eq 3 ] || { echo "usage: bench_ir.sh BASE BIN OUT" >&2; exit 2; }
BASE=$1 BIN=$2 OUT=$3
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_IR_PACKETS:-200000}
SEED=${BENCH_SEED:-1}
LIMIT=${BENCH_IR_LIMIT:-5}

die() {
	echo "bench_ir: $*" >&2
	exit 1
}
say() {
	echo "bench_ir: $*" >&2
}

command -v valgrind >/dev/null 2>&1 ||
	die "valgrind is missing (apt-get install valgrind): it counts the instructions"
sha=$(git -C "$SRC" rev-parse --verify "$BASE^{commit}" 2>/dev/null) ||
	die "'$BASE': not a commit of $SRC"
head=$(git -C "$SRC" rev-parse --short HEAD)
git -C "$SRC" diff --quiet HEAD -- libdecode tools tui 2>/dev/null || head="$head (+ local changes)"
short=$(git -C "$SRC" rev-parse --short "$sha")

# --- the base: its sources by git archive, its own Release build ---
bdir=$OUT/ir-base-$sha
if [ ! -x "$bdir/build/bin/fwatch" ]; then
	say "building $short (Release) in $bdir"
	rm -rf "$bdir"
	mkdir -p "$bdir/src"
	git -C "$SRC" archive "$sha" | tar -x -C "$bdir/src"
	{ cmake -S "$bdir/src" -B "$bdir/build" -DCMAKE_BUILD_TYPE=Release &&
	  cmake --build "$bdir/build" -j 2 --target fdecode fwatch; } >"$OUT/ir-build.log" 2>&1 ||
		{ tail -20 "$OUT/ir-build.log" >&2; die "the build of $short failed"; }
fi

f=$OUT/ir-s$SEED-n$N.pcap
"$BIN/gen_capture" -n "$N" -s "$SEED" -c "$SRC/captures" -o "$f" -S "$f.stats" ||
	die "gen_capture failed"

# "instructions peak_rss_kb" of one command (its output thrown away)
measure() {
	log=$OUT/ir-valgrind.log
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$log" ||
		{ tail -5 "$log" >&2; die "failed under valgrind: $*"; }
	ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log")
	[ -n "$ir" ] || die "no instruction count from valgrind: $*"
	"$BIN/runstat" "$OUT/ir-time" "$@" >/dev/null 2>&1 || die "failed: $*"
	echo "$ir $(cut -d' ' -f4 "$OUT/ir-time")"
}

RES=$OUT/ir-results.txt	# mode base_ir head_ir base_rss head_rss
: >"$RES"
for mode in text json summary quiet fwatch; do
	set --
	for b in "$bdir/build/bin" "$BIN"; do
		case $mode in
		text) r=$(measure "$b/fdecode" -n "$f") ;;
		json) r=$(measure "$b/fdecode" -n --json "$f") ;;
		summary) r=$(measure "$b/fdecode" -n --summary "$f") ;;
		quiet) r=$(measure "$b/fdecode" -n -q "$f") ;;
		fwatch) r=$(measure "$b/fwatch" -n --no-geoip -r "$f" --dump) ;;
		esac
		set -- "$@" $r
	done
	say "$mode: $short $1 instructions, $head $3"
	echo "$mode $1 $3 $2 $4" >>"$RES"
done
rm -f "$f" "$f.stats"

awk -v base="$short" -v head="$head" -v n="$N" -v seed="$SEED" -v limit="$LIMIT" \
    -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" '
	BEGIN {
		cmd["text"] = "fdecode -n FILE"
		cmd["json"] = "fdecode -n --json FILE"
		cmd["summary"] = "fdecode -n --summary FILE"
		cmd["quiet"] = "fdecode -n -q FILE"
		cmd["fwatch"] = "fwatch -n --no-geoip -r FILE --dump"
		print "## Cost of a change: instructions, " base " to " head
		print ""
		print "Instructions executed (valgrind --tool=callgrind, the total it collects) and peak RSS " \
		      "(tests/bench/runstat) of each mode, built from commit " base " and from " head \
		      " (both CMAKE_BUILD_TYPE=Release), on one capture of " n " packets " \
		      "(`gen_capture -n " n " -s " seed "`), output to /dev/null; " date ". " \
		      "Written by `BENCH_BASE=" base " make bench` (scripts/bench_ir.sh). " \
		      "A mode whose instructions grew by more than " limit "% is marked."
		print ""
		print "| mode | instructions " base " | instructions " head " | change | peak RSS MiB " \
		      base " | peak RSS MiB " head " | change | |"
		print "|---|---:|---:|---:|---:|---:|---:|---|"
	}
	{
		d = 100 * ($3 - $2) / $2
		mark = (d > limit) ? "**over " limit "%**" : "ok"
		printf "| `%s` | %d | %d | %+.2f%% | %.1f | %.1f | %+.0f%% | %s |\n", cmd[$1], $2, $3,
		       d, $4 / 1024, $5 / 1024, 100 * ($5 - $4) / $4, mark
	}
	END { print "" }' "$RES"
