#!/bin/bash
# The README demo's session (harness/uk_run_demo.sh), recorded once with
# `uk-run --trace` (testdata/demo.trace), replays with every result matching and prints
# the tree uk-run --tree printed at the end of that run (testdata/demo.tree).
set -euo pipefail
here="$TEST_SRCDIR/uk/harness/replay"
out=$("$here/uk-replay" --verify "$here/testdata/demo.trace")
grep -qx "uk-replay: [0-9]* events replayed, every result matches" <<<"$out" || {
  echo "FAIL: --verify: $out" >&2
  exit 1
}
diff -u "$here/testdata/demo.tree" <("$here/uk-replay" --tree "$here/testdata/demo.trace") || {
  echo "FAIL: the replayed tree differs from the recorded one" >&2
  exit 1
}
