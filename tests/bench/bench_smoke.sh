#!/bin/bash
# Runs a few benchmarks for a moment and checks they report and print the ratio table.
set -euo pipefail
out=$("$TEST_SRCDIR/uk/tests/bench/container_bench" --benchmark_min_time=0.01 --benchmark_color=false "$@" 2>&1)
echo "$out"
grep -q "^BM_Attach " <<<"$out"
grep -q "^Ratios of CPU time (same run):" <<<"$out"
