#!/bin/bash
# Runs uk_run_bench once round (ROUNDS=1) and checks it prints every comparison, the
# trap floors, and the shim-vs-host table with its FUSE floor per transport (or why that
# was skipped).
# No timing asserted.
set -euo pipefail
# The bench's output is shown whatever its status (set -e would end the script silently).
rc=0
out=$(ROUNDS=1 RUNFILES_DIR="$TEST_SRCDIR" "$TEST_SRCDIR/uk/tests/bench/uk_run_bench" 2>&1) || rc=$?
echo "$out"
[[ $rc == 0 ]] || { echo "FAIL: uk_run_bench exited with status $rc" >&2; exit 1; }
want() {
  local n
  n=$(grep -c -- "$1" <<<"$out" || true)
  [[ "$n" -ge "$2" ]] || { echo "FAIL: $2 lines with '$1' wanted, $n found" >&2; exit 1; }
}
want "^uk-run vs native, medians of 1 alternating" 1
want " native .* uk-run .* ratio " 5
want "trapped, answered at once: ratio " 2
want "a seccomp filter that traps nothing: ratio " 3
if ! grep -q "shim vs host comparison skipped" <<<"$out"; then
  want "(FUSE shim vs host cgroupfs) *host " 3
  want " /dev/fuse .* ratio " 3
  want "FUSE server doing no work: .* ratio " 3
  want "a pipe round trip between two processes: " 1
  want "^  \(READ\|OPEN\): .* host .* shim/floor /dev/fuse .* pipe round trips)" 2
  if grep -q "enable_uring Y: " <<<"$out"; then  # both transports, each with its floor
    want " io_uring .* ratio " 3
    want "FUSE server doing no work: .* ratio " 6
    want "^  \(READ\|OPEN\): .*, io_uring .* pipe round trips)" 2
  fi
fi
echo "uk_run_bench_smoke: ok"
