# Shared helpers of the uk-run end-to-end tests (sourced).
set -euo pipefail
UKRUN="$TEST_SRCDIR/uk/harness/uk-run"
HELPERS="$TEST_SRCDIR/uk/tests/e2e"
TMP=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ukrun.XXXXXX")
chmod 755 "$TMP"
UK_CLEANUP=()  # more paths to remove at exit

# What uk-run must never change on the host (harness/README.md, "Security"): the set of
# mounts (mount point, type, source of each mountinfo line; ids and options aside) and
# the cgroup directories under /sys/fs/cgroup, but for the runs' own subtrees
# (uk-run.<outer pid>.<8 hex digits>, --cpu-enforcement=host-cgroup): every uk-run on
# the machine, other tests' included, has one while it runs. Tests that start a run
# check that its own subtree is gone afterwards (cpu_host_test, host_subtree_gone).
host_state() {
  awk '{ i = 7; while ($i != "-") i++; print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo |
    sort
  echo "--- cgroup directories"
  find /sys/fs/cgroup -type d 2>/dev/null | grep -Ev '/uk-run\.[0-9]+\.[0-9a-f]{8}(/|$)' | sort
}

# host_subtrees OUTER_PID: the host cgroup subtrees of the uk-run whose outer process is
# OUTER_PID (normally none once it has exited), one per line.
host_subtrees() {
  find /sys/fs/cgroup -maxdepth 8 -type d -name "uk-run.$1.*" 2>/dev/null || true
}
HOST_STATE_BEFORE=$(host_state)

# At exit, after the cleanup: a host that changed fails the test, whatever its status.
on_exit() {
  local rc=$?
  rm -rf "$TMP" "${UK_CLEANUP[@]}"
  local after
  after=$(host_state)
  if [[ "$after" != "$HOST_STATE_BEFORE" ]]; then
    echo "FAIL: the host's mounts or cgroup directories changed during the test:" >&2
    diff <(echo "$HOST_STATE_BEFORE") <(echo "$after") >&2 || true
    rc=1
  fi
  exit $rc
}
trap on_exit EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  [[ "$2" == "$3" ]] || fail "$1: expected [$2], got [$3]"
}

# No FUSE mount of uk-run may be left in this (the host's) mount namespace.
expect_no_uk_mounts() {
  if grep -q "fuse.container" /proc/self/mounts; then
    fail "a uk-run mount leaked: $(grep fuse.container /proc/self/mounts)"
  fi
}

# For a non-root uk-run: `as_nobody CMD...` runs CMD as uid/gid 65534. nonroot_setup
# makes NR_DIR (under /tmp, removed at exit) with NR_UKRUN, a copy of uk-run that uid
# 65534 can run (the runfiles are under root's home), and NR_FUSE, a /dev/fuse node
# that only uid 65534 may open (the host's is root's only). A body that wants FUSE
# bind-mounts it over /dev/fuse in uk-run's own mount namespace first:
#   mount --bind $NR_FUSE /dev/fuse
# Prints a SKIP line and returns 1 without root or setpriv.
# supervisor_of PID: the supervisor of the uk-run that PID (e.g. `timeout ... uk-run`)
# started, once it runs (up to 5 s); prints nothing if there is none by then.
supervisor_of() {
  local outer sup i
  for i in $(seq 100); do
    outer=$(pgrep -P "$1" -x uk-run | head -1) && sup=$(pgrep -P "$outer" -x uk-run | head -1) &&
      echo "$sup" && return
    sleep 0.05
  done
}

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nonroot_setup() {
  if [[ $(id -u) != 0 ]] || ! command -v setpriv >/dev/null; then
    echo "SKIP: the non-root part needs root and setpriv"
    return 1
  fi
  NR_DIR=$(mktemp -d /tmp/ukrun-nonroot.XXXXXX)
  UK_CLEANUP+=("$NR_DIR")
  chmod 755 "$NR_DIR"
  NR_UKRUN=$NR_DIR/uk-run
  cp "$UKRUN" "$NR_UKRUN"
  mkdir -m 700 "$NR_DIR/dev"
  NR_FUSE=$NR_DIR/dev/fuse
  mknod -m 600 "$NR_FUSE" c 10 229
  chown -R 65534:65534 "$NR_DIR/dev"
}
