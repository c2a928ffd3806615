#!/bin/bash
# "A script written for a cgroup v1 kernel runs unchanged under uk-run": the same
# v1_setup_script.sh on the host kernel's cgroup v1 (root only; its named hierarchy is
# waited out afterwards) and under uk-run, outputs compared line by line. Without root
# or cgroup v1 on the host, only the uk-run run is checked (it must finish).
set -uo pipefail
UKRUN="$TEST_SRCDIR/uk/harness/uk-run"
SCRIPT="$TEST_SRCDIR/uk/tests/cgroup/v1_setup_script.sh"
TMP=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ukv1.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

mkdir "$TMP/host" "$TMP/uk"
"$UKRUN" -- sh "$SCRIPT" "$TMP/uk" >"$TMP/uk.out" 2>&1
echo "exit: $?" >>"$TMP/uk.out"
sed -i "s|$TMP/uk|CG|g" "$TMP/uk.out"
if ! grep -qx done "$TMP/uk.out"; then
  echo "FAIL: the script did not finish under uk-run"
  cat "$TMP/uk.out"
  exit 1
fi
if [[ $(id -u) != 0 ]] || ! grep -qw cgroup /proc/filesystems ||
  ! grep -qE '^cpuset[[:space:]]' /proc/cgroups; then
  echo "SKIP host run: needs root and cgroup v1 with cpuset; uk-run run finished"
  cat "$TMP/uk.out"
  exit 0
fi
sh "$SCRIPT" "$TMP/host" >"$TMP/host.out" 2>&1
echo "exit: $?" >>"$TMP/host.out"
sed -i "s|$TMP/host|CG|g" "$TMP/host.out"
# The host side of a failed run: back to the roots, the group and mounts away.
echo $$ >/sys/fs/cgroup/cpuset/tasks 2>/dev/null
for m in "$TMP/host/cpuset/Charlie" "$TMP/host/tracking/jobs"; do rmdir "$m" 2>/dev/null; done
umount "$TMP/host/cpuset" "$TMP/host/tracking" 2>/dev/null
source "$TEST_SRCDIR/uk/tests/cgroup/host_v1.sh"
release_named_hierarchy v1script "$TMP/host"
status=0
if diff -u "$TMP/host.out" "$TMP/uk.out"; then
  echo "PASS: $(wc -l <"$TMP/uk.out") lines identical on the host and under uk-run"
else
  echo "FAIL: host and uk-run differ (- host, + uk-run)"
  status=1
fi
if grep -q "name=v1script:" /proc/self/cgroup; then
  echo "FAIL: the host kept the v1script hierarchy"
  status=1
fi
exit $status
