#!/bin/bash
# The supervisor holds a pidfd for every process and thread of the run, so under the
# caller's soft fd limit (1024 on most machines) about that many processes ran it out:
# they went unseen ("probing pid N: Too many open files") and --check reported them.
# It now raises its own soft limit to the hard one, while COMMAND keeps the caller's.
# Here a soft limit of 256 and 400 processes at once, under --check.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < 1024)); then
  echo "SKIP: the hard fd limit ($hard) is too low"
  exit 0
fi
limits() { "$@" grep "open files" /proc/self/limits; }
expect_eq "COMMAND's fd limit" "$(ulimit -Sn 256; limits)" "$(ulimit -Sn 256; limits "$UKRUN" --)"
rc=0
out=$(
  ulimit -Sn 256
  "$UKRUN" --check -- bash -c 'for i in $(seq 400); do sleep 2 & done; sleep 1
ls /proc | grep -c "^[0-9]"; wait' 2>&1
) || rc=$?
echo "$out" | tail -3
expect_eq "uk-run's status" 0 $rc
! grep -q "Too many open files\|--check:" <<<"$out" || fail "$(grep -m3 "Too many\|--check:" <<<"$out")"
expect_no_uk_mounts
echo PASS
