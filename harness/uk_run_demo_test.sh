#!/bin/bash
# The README's demo under uk-run works: ENOSPC before cpus/mems, the shell moved, the
# release agent fired, the tree printed with a running guest.
set -euo pipefail
out=$("$TEST_SRCDIR/uk/harness/uk_run_demo" 2>&1)
echo "$out"
grep -q "No space left on device" <<<"$out"
grep -qx "cpuacct,cpu:/Guests/guest-a" <<<"$out"
grep -qx "release agent: /System is empty" <<<"$out"
grep -q "^    Guests  tasks: [0-9]*(sleep)" <<<"$out"
