#!/bin/bash
# The tracker's ns_last_pid race (issue 7): a fork's pid is allocated before its task
# shows in /proc; a settle in between must not make uk-run forget the child.
#   1. inflight_fork holds a fork in that window (userfaultfd) across an observation:
#      deterministic; needs userfaultfd for kernel faults, i.e. CAP_SYS_PTRACE in the
#      host's user namespace: as root with --no-userns, skipped otherwise.
#   2. fork_observe: forkers check their child is listed right after fork returns while
#      hammers keep settling (random; the old tracker missed about 1 in 10000 forks).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
BIN="$TEST_SRCDIR/uk/tests/stress"
d=$TMP/r
mkdir $d
rc=0
host_userns=()
[[ $(id -u) == 0 ]] && host_userns=(--no-userns)
timeout -s KILL 60 "$UKRUN" "${host_userns[@]}" --check --mount container:cpuacct:$d -- \
  "$BIN/inflight_fork" $d >$TMP/out 2>&1 || rc=$?
cat $TMP/out
if [[ $rc == 77 ]]; then
  echo "inflight_fork: skipped"
else
  expect_eq "inflight_fork status" 0 $rc
  grep -q "listed$" $TMP/out || fail "the held child was not listed"
fi
rc=0
timeout -s KILL 120 "$UKRUN" --check --mount container:cpuacct:$d -- \
  "$BIN/fork_observe" $d 300 2 2 >$TMP/out 2>&1 || rc=$?
cat $TMP/out
expect_eq "fork_observe status" 0 $rc
! grep -q "uk-run: --check:" $TMP/out || fail "--check reported a violation"
expect_no_uk_mounts
echo "race_test: ok"
