#!/bin/bash
# uk-replay's speed on a synthetic build trace (replay_trace_gen.cc): generates EVENTS
# (default 1000000) events, then replays them with --verify and --stats. The target in
# harness/replay/README.md: >= 1M events/s, memory flat in the number of events.
#
#   bazel run -c opt //tests/bench:replay_bench [-- EVENTS]
set -euo pipefail
events=${1:-1000000}
here=${RUNFILES_DIR:-$0.runfiles}/uk
gen=$here/tests/bench/replay_trace_gen
replay=$here/harness/replay/uk-replay
trace=$(mktemp /tmp/replay-bench.XXXXXX)
trap 'rm -f "$trace"' EXIT
"$gen" "$events" "$trace"
echo "trace: $(wc -l <"$trace") lines, $(du -h "$trace" | cut -f1)"
"$replay" --verify --stats "$trace"
