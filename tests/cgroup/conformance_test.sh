#!/bin/bash
# The host-vs-uk conformance test (issue 17 §6): every case of conform_cases.sh runs on
# the host kernel's cgroup v1 and under uk-run, and each case's answers must be the same
# text, errnos included. A case the host cannot run (WHERE golden:OPTIONS, or a
# `require` the host refused) is compared with its golden in conform_goldens/ instead.
# On a mismatch it prints the case's name and both answers. README.md has the how.
#
#   conformance_test.sh [CASE...]   (default: every case)
set -uo pipefail
HERE="$TEST_SRCDIR/uk/tests/cgroup"
UKRUN="${UK_E2E_UKRUN:-$TEST_SRCDIR/uk/harness/uk-run}"  # another binary for an A/B, as lib.sh
MOUNT_CALL="$TEST_SRCDIR/uk/tests/e2e/mount_call"
GOLDENS="$HERE/conform_goldens"
if [[ $(id -u) != 0 ]]; then
  echo "SKIP: needs root (uk-run's /dev/fuse, the host's cgroup v1)"
  exit 0
fi
source "$HERE/conform_cases.sh"
source "$HERE/conform_compare.sh"
TMP=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ukconf.XXXXXX")
chmod 755 "$TMP"
# The unique name of everything this run makes on the host, looked for at the end.
export CONFORM_NAME="ukconf$$x$RANDOM"
trap 'rm -rf "$TMP"' EXIT

host_ok=1
if ! grep -qE '^cgroup [^ ]+ cgroup [^ ]*cpuset' /proc/self/mounts ||
  [[ ! -d /sys/fs/cgroup/cpuset ]]; then
  host_ok=0
  echo "SKIP PART: host cases: the host has no cgroup v1 cpuset hierarchy at /sys/fs/cgroup/cpuset"
fi

# The cases to run, by where their answer comes from.
# Host cases by the uk-run options they need (keyed by "o" + OPTIONS).
host_opts=() golden_opts=()
declare -A host_cases=() golden_cases=()
for row in "${CONFORM_CASES[@]}"; do
  read -r name _ where _ <<<"$row"
  if (($# > 0)) && [[ " $* " != *" $name "* ]]; then continue; fi
  if [[ "$where" == host || "$where" == host:* ]]; then
    opts=${where#host}
    opts=${opts#:}
    [[ -n "${host_cases[o$opts]+x}" ]] || host_opts+=("$opts")
    host_cases[o$opts]+=" $name"
  else
    opts=${where#golden:}
    # Keyed by "o" + OPTIONS: an empty key is not allowed.
    [[ -n "${golden_cases[o$opts]+x}" ]] || golden_opts+=("$opts")
    golden_cases[o$opts]+=" $name"
  fi
done

# run SIDE OUT [UK-RUN OPTIONS] -- CASE...: one side's answers into OUT.
run() {
  local side=$1 out=$2 opts=()
  shift 2
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  mkdir -p "$TMP/$side.w"
  if [[ "$side" == host* ]]; then
    bash "$HERE/conform_run.sh" host "$TMP/$side.w" "$MOUNT_CALL" "$@" >"$out" 2>&1
  else
    # --cpu-enforcement=none: the default says on stderr which one it chose.
    "$UKRUN" --cpu-enforcement=none "${opts[@]}" -- bash "$HERE/conform_run.sh" uk "$TMP/$side.w" "$MOUNT_CALL" "$@" \
      >"$out" 2>&1
  fi
  echo "exit: $?" >>"$out"
}

status=0
n=0
for opts in "${host_opts[@]}"; do
  ((host_ok)) || break
  n=$((n + 1))
  read -r -a cases <<<"${host_cases[o$opts]}"
  run "host$n" "$TMP/host$n.out" -- "${cases[@]}"
  # shellcheck disable=SC2086  # OPTIONS is a word list
  run "ukh$n" "$TMP/ukh$n.out" $opts -- "${cases[@]}"
  compare_cases "$TMP/host$n.out" "$TMP/ukh$n.out" "${cases[@]}" || status=1
done
n=0
for opts in "${golden_opts[@]}"; do
  n=$((n + 1))
  read -r -a cases <<<"${golden_cases[o$opts]}"
  # shellcheck disable=SC2086  # OPTIONS is a word list
  run "uk$n" "$TMP/uk$n.out" $opts -- "${cases[@]}"
  compare_goldens "$TMP/uk$n.out" "uk-run${opts:+ $opts}" "${cases[@]}" || status=1
done

if grep -q "$CONFORM_NAME" /proc/self/cgroup /proc/self/mounts ||
  compgen -G "/sys/fs/cgroup/*/$CONFORM_NAME" >/dev/null; then
  echo "FAIL: the run left a cgroup, hierarchy or mount named $CONFORM_NAME on the host"
  status=1
fi
exit $status
