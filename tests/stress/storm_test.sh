#!/bin/bash
# The short CI variant of the fork storm: a few seconds under `uk-run --check` with moves
# and mkdir/rmdir churn. The watchdog (timeout) fails the run on a deadlock; --check
# fails it on an invariant violation or a task table that disagrees with /proc.
#   storm_test.sh [SECONDS RATE MIN_RATE]   (defaults 3 200 20: ASan builds run it too)
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
secs=${1:-3} rate=${2:-200} min_rate=${3:-20}
STORM="$TEST_SRCDIR/uk/tests/stress/fork_storm"
d=$TMP/s
mkdir $d
rc=0
timeout -s KILL $((secs * 4 + 60)) "$UKRUN" --check --mount container:cpu,cpuacct:$d -- \
  "$STORM" $d "$secs" "$rate" "$min_rate" >$TMP/out 2>&1 || rc=$?
cat $TMP/out
[[ $rc != 137 ]] || fail "watchdog: no progress in $((secs * 4 + 60)) s (deadlock?)"
expect_eq "storm status" 0 $rc
! grep -q "uk-run: --check:" $TMP/out || fail "--check reported a violation"
expect_no_uk_mounts
echo "storm_test: ok"
