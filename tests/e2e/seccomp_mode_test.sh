#!/bin/bash
# prctl(PR_GET_SECCOMP) answers what it would natively: 0 for a program that nothing
# filters (uk-run's own filters are not counted), 2 once it loads a filter of its own,
# and 2 under a caller that was already filtered. Before, it said 2 under uk-run always.
# (/proc/<pid>/status still shows uk-run's filters: README.md, "What a program can still
# tell".)
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
mode="$TEST_SRCDIR/uk/tests/e2e/seccomp_mode.py"
# Natively "0 2" unless this test itself runs under seccomp (then "2 2").
native=$(python3 "$mode" probe)
echo "natively: $native"
expect_eq "mode, then mode with a filter of its own, under uk-run" "$native" \
  "$("$UKRUN" -- python3 "$mode" probe)"
expect_eq "under a filtered caller, natively" "2 2" \
  "$(python3 "$mode" filtered python3 "$mode" probe)"
expect_eq "the same under uk-run" "2 2" \
  "$(python3 "$mode" filtered "$UKRUN" -- python3 "$mode" probe)"
expect_no_uk_mounts
echo PASS
