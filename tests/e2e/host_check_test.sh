#!/bin/bash
# lib.sh's exit check can fail: a test body that changes the mount set or the cgroup
# directories it sees exits 1 with the difference, whatever its own status. The bodies
# run in a private mount namespace (unshare -m), so the real host never changes; a
# tmpfs over /sys/fs/cgroup, mounted before the body starts, stands for the host's
# cgroup tree.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
if [[ $(id -u) != 0 ]] || ! unshare -m true 2>/dev/null; then
  echo "SKIP: needs root for unshare -m"
  exit 0
fi
lib="$TEST_SRCDIR/uk/tests/e2e/lib.sh"
mkdir $TMP/m
# run_body SETUP BODY: SETUP runs before lib.sh is sourced, BODY after.
run_body() {
  unshare -m bash -c "$1
source '$lib'
$2"
}

set +e
out=$(run_body "" "true" 2>&1); rc=$?
expect_eq "unchanged: status" 0 $rc
out=$(run_body "" "mount -t tmpfs uk-probe $TMP/m" 2>&1); rc=$?
expect_eq "a new mount: status" 1 $rc
grep -q "^FAIL: the host's mounts or cgroup directories changed" <<<"$out" || fail "$out"
grep -q "^> $TMP/m tmpfs uk-probe$" <<<"$out" || fail "the new mount is not named: $out"
out=$(run_body "mount -t tmpfs none /sys/fs/cgroup" "mkdir /sys/fs/cgroup/uk-probe" 2>&1); rc=$?
expect_eq "a new cgroup directory: status" 1 $rc
grep -q "^> /sys/fs/cgroup/uk-probe$" <<<"$out" || fail "the new directory is not named: $out"
out=$(run_body "mount -t tmpfs uk-probe $TMP/m" "umount $TMP/m; exit 3" 2>&1); rc=$?
expect_eq "a mount gone, body status 3: status" 1 $rc
grep -q "^< $TMP/m tmpfs uk-probe$" <<<"$out" || fail "the lost mount is not named: $out"
set -e
