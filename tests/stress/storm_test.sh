#!/bin/bash
# The fork storm under `uk-run --check`, with moves and mkdir/rmdir churn (fork_storm.c).
# The watchdog (timeout) fails the run on a deadlock; --check fails it on an invariant
# violation or a task table that disagrees with /proc; fork_storm fails it on a leaked
# or lost task or a rate under MIN_RATE. Prints the host load and the supervisor's CPU
# time (utime+stime of uk-run's pid 1, sampled until it exits).
#   storm_test.sh [SECONDS RATE MIN_RATE [SUBSYSTEMS]]
# Defaults 3 200 20 cpu,cpuacct: the CI variant (ASan builds run it too). The full run:
#   bazel run //tests/stress:storm -- 60 1000 1000
: "${TEST_SRCDIR:=${RUNFILES_DIR:-$0.runfiles}}"
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
secs=${1:-3} rate=${2:-200} min_rate=${3:-20} subsys=${4:-cpu,cpuacct}
STORM="$TEST_SRCDIR/uk/tests/stress/fork_storm"
d=$TMP/s
mkdir $d
echo "load before: $(uptime)"
timeout -s KILL $((secs * 4 + 60)) "$UKRUN" --check --mount container:$subsys:$d -- \
  "$STORM" $d "$secs" "$rate" "$min_rate" >$TMP/out 2>&1 &
ukrun=$!
sup=$(supervisor_of $ukrun)
ticks=0
while [[ -n "$sup" ]] && t=$(awk '{print $14 + $15}' /proc/$sup/stat 2>/dev/null); do
  ticks=$t
  sleep 0.2
done
rc=0
wait $ukrun || rc=$?
echo "load after: $(uptime)"
cat $TMP/out
echo "supervisor CPU: $((ticks * 1000 / $(getconf CLK_TCK))) ms (sampled every 0.2 s) for $secs s of storm"
[[ $rc != 137 ]] || fail "watchdog: no progress in $((secs * 4 + 60)) s (deadlock?)"
expect_eq "storm status" 0 $rc
! grep -q "uk-run: --check:" $TMP/out || fail "--check reported a violation"
grep -q "0 fork errors, 0 leaked or lost" $TMP/out || fail "fork errors or a leaked task"
expect_no_uk_mounts
echo "storm_test: ok"
