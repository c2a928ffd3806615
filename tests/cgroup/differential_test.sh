#!/bin/bash
# The differential suite: tests/cgroup/scenarios.sh on the host kernel's cgroup v1
# (a named hierarchy of our own, a child of the host's cpuset hierarchy; both removed
# again) and under uk-run with -t cgroup; the outputs must agree line by line.
# Skipped where the host has no cgroup v1 or we are not root.
set -uo pipefail
UKRUN="${UK_E2E_UKRUN:-$TEST_SRCDIR/uk/harness/uk-run}"  # another binary: an A/B run
SCEN="$TEST_SRCDIR/uk/tests/cgroup/scenarios.sh"
# Under /tmp: the scenarios' "another uid" part runs as uid 65534, which cannot search
# Bazel's directories.
TMP=$(mktemp -d /tmp/ukdiff.XXXXXX)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

if [[ $(id -u) != 0 ]] || ! grep -qw cgroup /proc/filesystems; then
  echo "SKIP: needs root and cgroup v1 on the host"
  exit 0
fi
kinds=(named)
cpus=$(cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null)
if grep -qE '^cgroup [^ ]+ cgroup [^ ]*cpuset' /proc/self/mounts && [[ "$cpus" == *[-,]* ]]; then
  kinds+=(cpuset)
else
  echo "SKIP cpuset: no host cpuset hierarchy with two CPUs or more"
fi
# Our own hierarchy and cgroup name: other runs of this test (parallel CI, other checkouts,
# other pid namespaces with the same pids) may have theirs on the same host at the same
# time, so the leftover check below looks for ours only.
export UKDIFF_NAME="ukdiff$$x$RANDOM"
# Other cpusets at the top of the host's hierarchy (another uk-run's, a container
# manager's): the kernel refuses an exclusive cpuset that overlaps a sibling
# (validate_change), so while one exists the host cannot run the cpuset kind's exclusive
# steps, and its answers say nothing about uk's.
foreign_cpusets() {
  local d
  for d in /sys/fs/cgroup/cpuset/*/; do
    [[ -d "$d" && "$(basename "$d")" != "$UKDIFF_NAME" ]] && basename "$d"
  done
}
status=0
for kind in "${kinds[@]}"; do
  mkdir -p "$TMP/host.$kind" "$TMP/uk.$kind"
  foreign=$([[ "$kind" == cpuset ]] && foreign_cpusets)
  if [[ -n "$foreign" ]]; then
    echo "SKIP cpuset: other cpusets at the top of the host's hierarchy:" $foreign
    continue
  fi
  bash "$SCEN" host "$kind" "$TMP/host.$kind" >"$TMP/host.$kind.out" 2>&1
  foreign=$([[ "$kind" == cpuset ]] && foreign_cpusets)
  if [[ -n "$foreign" ]]; then
    echo "SKIP cpuset: other cpusets appeared at the top of the host's hierarchy during" \
      "the host run:" $foreign
    continue
  fi
  "$UKRUN" -- bash "$SCEN" uk "$kind" "$TMP/uk.$kind" >"$TMP/uk.$kind.out" 2>&1
  sed -i "s|$TMP/host.$kind|W|g" "$TMP/host.$kind.out"
  sed -i "s|$TMP/uk.$kind|W|g" "$TMP/uk.$kind.out"
  # The host kernel execs a release agent in the initial mount namespace
  # (call_usermodehelper), which cannot see $TMP when this runs in a container (another
  # root, e.g. tools/fresh_debian_check): then the agent never ran at all, not even for
  # /a/n. Only then, the uk side's line is checked against what a host run prints.
  if [[ "$kind" == named && ! -e "$TMP/host.$kind/agent.out" ]]; then
    agent_line="agent called with: /rel/x "
    echo "SKIP host release agent: never ran (its path is not visible to the host kernel's" \
      "initial mount namespace?); uk-run must print '$agent_line'"
    sed -i "s|^agent called with: \$|$agent_line|" "$TMP/host.$kind.out"
  fi
  lines=$(wc -l <"$TMP/host.$kind.out")
  if ! grep -qx "== end" "$TMP/host.$kind.out"; then
    echo "FAIL $kind: the host run did not finish"; cat "$TMP/host.$kind.out"; status=1; continue
  fi
  if diff -u "$TMP/host.$kind.out" "$TMP/uk.$kind.out"; then
    echo "PASS $kind: $lines lines identical"
  else
    echo "FAIL $kind: host and uk-run differ (- host, + uk-run)"
    status=1
  fi
done
if grep -q "$UKDIFF_NAME" /proc/self/cgroup || [[ -e "/sys/fs/cgroup/cpuset/$UKDIFF_NAME" ]]; then
  echo "FAIL: a host cgroup was left behind"
  status=1
fi
exit $status
