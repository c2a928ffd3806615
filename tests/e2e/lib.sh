# Shared helpers of the uk-run end-to-end tests (sourced).
set -euo pipefail
# UK_E2E_UKRUN: another uk-run command (fuse_ring_test runs tests through a wrapper).
UKRUN="${UK_E2E_UKRUN:-$TEST_SRCDIR/uk/harness/uk-run}"
HELPERS="$TEST_SRCDIR/uk/tests/e2e"
# The helper scripts import ptyterm.py from their own directory, which resolves to the
# source tree: no __pycache__ is written there.
export PYTHONDONTWRITEBYTECODE=1
# This run's token: every name the test creates on the host (its scratch directory and so
# the mount points in it, NR_DIR, container names that could reach a host hierarchy)
# carries it, so the exit check can look for this run's traces alone. Other programs
# (systemd, other tests) creating or removing cgroups and mounts meanwhile cannot
# change what it finds.
UK_TOKEN="uktok${RANDOM}${RANDOM}x$$"
TMP=$(mktemp -d "${TEST_TMPDIR:-/tmp}/$UK_TOKEN.XXXXXX")
chmod 755 "$TMP"
UK_CLEANUP=()  # more paths to remove at exit

# Mounts on host path $1 (a mount point without the token), one line each.
mounts_on() { awk -v p="$1" '$5 == p' /proc/self/mountinfo; }
# uk_fixed_path PATH: the test uses PATH, a fixed host path (e.g. the article's
# /containers); at exit no more mounts may be on it than now.
UK_FIXED=()
uk_fixed_path() { UK_FIXED+=("$(mounts_on "$1" | wc -l):$1"); }

# host_subtrees OUTER_PID: the host cgroup subtrees (--cpu-enforcement=host-cgroup) of the
# uk-run whose outer process is OUTER_PID (normally none once it has exited), one per line.
host_subtrees() {
  find /sys/fs/cgroup -maxdepth 8 -type d -name "uk-run.$1.*" 2>/dev/null || true
}

# one_subtree OUTER_PID HIERARCHY WHAT: the run's one subtree in HIERARCHY (e.g.
# /sys/fs/cgroup/cpu), a WHAT subtree in the message; fails unless there is exactly one
# (in a command substitution: set -e ends the test with the message).
one_subtree() {
  local sub
  sub=$(host_subtrees "$1" | grep "^$2/" || true)
  [[ -n "$sub" && $(wc -l <<<"$sub") == 1 ]] || fail "one $3 subtree uk-run.$1.*, got [$sub]"
  echo "$sub"
}

# tree_dirs DIR: DIR's directories as paths from it (". ./a ./a/b"), sorted, one line.
tree_dirs() {
  (cd "$1" && find . -type d | sort | tr '\n' ' ' | sed 's/ $//')
}

# What uk-run must never leave on the host (harness/README.md, "Security"), one line
# each: a mount whose mountinfo line names the token (mount point or source), a
# directory named with it in any cgroup filesystem, a hierarchy named with it in
# /proc/self/cgroup, a mount added on a uk_fixed_path.
host_leaks() {
  grep -F "$UK_TOKEN" /proc/self/mountinfo | sed 's/^/mount: /'
  local fixed
  for fixed in "${UK_FIXED[@]}"; do
    # mountinfo lists mounts in the order they were made: the ones past the count are new.
    mounts_on "${fixed#*:}" | tail -n +$((${fixed%%:*} + 1)) | sed 's/^/mount: /'
  done
  # Every cgroup (v1 or v2) mount of the host, wherever it is mounted. find reports
  # directories other programs remove meanwhile as errors: those are not ours.
  awk '{ i = 7; while ($i != "-") i++ } $(i + 1) ~ /^cgroup2?$/ { print $5 }' \
    /proc/self/mountinfo | sort -u | while read -r dir; do
    find "$dir" -name "*$UK_TOKEN*" 2>/dev/null | sed 's/^/cgroup directory: /'
  done
  grep -F "$UK_TOKEN" /proc/self/cgroup | sed 's/^/hierarchy: /'
  true
}

# At exit, after the cleanup: a trace of this run left on the host fails the test,
# whatever its status (the test's, or $1 for a trap of its own that calls this last).
on_exit() {
  local rc=${1:-$?}
  rm -rf "$TMP" "${UK_CLEANUP[@]}" || true  # a mount left in it is named below
  local leaks
  leaks=$(host_leaks)
  if [[ -n "$leaks" ]]; then
    echo "FAIL: the test left traces on the host (token $UK_TOKEN):" >&2
    echo "$leaks" >&2
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

# For tests that watch a run's host cgroups from outside. UK_RUNS: outer uk-run pids
# whose supervisors `kill_runs` SIGKILLs (never the outer, which then removes the
# run's subtrees) before waiting for the outer; such a test traps
# 'rc=$?; kill_runs; on_exit $rc' EXIT, so that a failing test leaves no run behind
# (on_exit's status is the test's: taken before the trap's own commands change $?).
UK_RUNS=()
kill_runs() {
  local o
  for o in "${UK_RUNS[@]}"; do
    kill -9 $(pgrep -P "$o" -x uk-supervisor) 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$o" 2>/dev/null || break; sleep 0.05; done
  done
}
# wait_file FILE: up to 20 s.
wait_file() {
  for _ in $(seq 400); do [[ -e $1 ]] && return; sleep 0.05; done
  fail "timed out waiting for $1"
}
# ns_ids DIR: the pid-namespace ids (NSpid's last field) of the tids in DIR/tasks (a
# short-lived process listed there may be gone by the time its status is read).
ns_ids() {
  local t
  for t in $(cat "$1/tasks"); do
    awk '/^NSpid/ { print $NF }' /proc/$t/status 2>/dev/null || true
  done | sort -n
}

# sigkill_removes_subtrees WHOM HIERARCHY LEAF SCRIPT: runs `bash -c SCRIPT` under
# uk-run, waits until the run's subtree in HIERARCHY (e.g. /sys/fs/cgroup/cpu) has a
# task in LEAF, SIGKILLs WHOM and fails unless every subtree of the run is gone soon
# after: `supervisor`, within 5 s (the outer uk-run removes them however the
# supervisor ended); `outer`, the outer uk-run itself, within 10 s (its cleanup helper).
sigkill_removes_subtrees() {
  local outer victim sub t0 ms tries=100
  "$UKRUN" -- bash -c "$4" &
  outer=$!
  UK_RUNS+=("$outer")
  for _ in $(seq 200); do
    sub=$(host_subtrees "$outer" | grep "^$2/" || true)
    [[ -n "$sub" && -n "$(cat "$sub/$3/tasks" 2>/dev/null)" ]] && break
    sleep 0.05
  done
  [[ -n "$(cat "$sub/$3/tasks")" ]] || fail "no task reached $sub/$3"
  if [[ $1 == outer ]]; then
    victim=$outer tries=200
  else
    victim=$(pgrep -P "$outer" -x uk-supervisor)  # the supervisor runs: a task is placed
  fi
  kill -9 "$victim"
  t0=$(date +%s%N)
  for _ in $(seq $tries); do [[ -n "$(host_subtrees "$outer")" ]] || break; sleep 0.05; done
  ms=$((($(date +%s%N) - t0) / 1000000))
  expect_eq "every subtree $((tries / 20)) s after SIGKILL of the $1" "" "$(host_subtrees "$outer")"
  echo "subtrees gone ${ms} ms after SIGKILL of the $1"
  wait "$outer" 2>/dev/null || true
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
# Returns 1 without root or setpriv.
# supervisor_of PID: the supervisor of the uk-run that PID (e.g. `timeout ... uk-run`)
# started, once it runs (up to 5 s); prints nothing if there is none by then. The same
# pid twice, 50 ms apart: a helper the outer uk-run forks briefly before the supervisor
# (it renames itself at once) is gone by then.
supervisor_of() {
  local outer sup seen="" i
  for i in $(seq 100); do
    if outer=$(pgrep -P "$1" -x uk-run | head -1) && sup=$(pgrep -P "$outer" -x uk-supervisor | head -1); then
      [[ "$sup" == "$seen" ]] && echo "$sup" && return
      seen=$sup
    else
      seen=""
    fi
    sleep 0.05
  done
}

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nonroot_setup() {
  if [[ $(id -u) != 0 ]] || ! command -v setpriv >/dev/null; then
    return 1
  fi
  NR_DIR=$(mktemp -d "/tmp/$UK_TOKEN-nonroot.XXXXXX")
  UK_CLEANUP+=("$NR_DIR")
  chmod 755 "$NR_DIR"
  NR_UKRUN=$NR_DIR/uk-run
  cp "$UKRUN" "$NR_UKRUN"
  mkdir -m 700 "$NR_DIR/dev"
  NR_FUSE=$NR_DIR/dev/fuse
  mknod -m 600 "$NR_FUSE" c 10 229
  chown -R 65534:65534 "$NR_DIR/dev"
}
