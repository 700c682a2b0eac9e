#!/bin/sh
# Runs every libFuzzer target in a build for SECONDS each; fails on a finding.
# usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -eu
build=$1
secs=$2
src=$(cd "$(dirname "$0")/.." && pwd)
found=0
ran=0
for bin in "$build"/bin/fuzz_*_fuzzer; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" _fuzzer)
	short=${name#fuzz_}
	work="$build/fuzz-work/$short"
	crashes="$build/fuzz-crashes/$short"
	mkdir -p "$work" "$crashes"
	dict=""
	[ -f "$src/tests/fuzz/$short.dict" ] && dict="-dict=$src/tests/fuzz/$short.dict"
	# A target's own libFuzzer flags, one line (e.g. -max_len for one whose
	# seeds are whole captures but whose findings are in short inputs).
	[ -f "$src/tests/fuzz/$short.flags" ] && dict="$dict $(cat "$src/tests/fuzz/$short.flags")"
	echo "fuzz: $short for ${secs}s"
	ran=$((ran + 1))
	# shellcheck disable=SC2086
	if ! "$bin" -max_total_time="$secs" -print_final_stats=0 -close_fd_mask=3 \
		-artifact_prefix="$crashes/" $dict "$work" "$src/tests/fuzz/corpus/$short" \
		>"$build/fuzz-work/$short.log" 2>&1; then
		echo "fuzz: $short FOUND A PROBLEM; input in $crashes/, log $build/fuzz-work/$short.log" >&2
		tail -n 30 "$build/fuzz-work/$short.log" >&2
		found=1
	fi
done
[ "$ran" -gt 0 ] || { echo "fuzz: no targets in $build/bin" >&2; exit 1; }
[ "$found" -eq 0 ] && echo "fuzz: $ran targets, no findings"
exit "$found"
