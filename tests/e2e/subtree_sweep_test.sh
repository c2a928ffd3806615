#!/bin/bash
# A run whose cleanup helper was killed with it leaves its host subtrees behind: a test
# runner that is a child subreaper (Bazel's process-wrapper on an interrupt or timeout)
# kills every descendant, the helper too. The next uk-run removes such subtrees, and
# only those: below its own cgroup, named uk-run.<pid>.<random>, whose outer uk-run is
# gone and whose lock no process holds. A subtree whose pid lives, or whose lock is
# held, stays. SKIP where the host has no cpu controller uk-run may use.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
if ! probe=$("$UKRUN" --cpu-enforcement=host-cgroup -- true 2>&1); then
  echo "SKIP: no host cgroup with cpu for uk-run here: $probe"
  exit 0
fi
holder=
trap 'rc=$?; [[ -n $holder ]] && kill $holder 2>/dev/null; kill_runs; on_exit $rc' EXIT
own_dir() { echo "/sys/fs/cgroup/$1$(awk -F: -v c="$1" '$2 ~ "(^|,)" c "(,|$)" { print $3 }' \
  /proc/self/cgroup | sed 's|^/$||')"; }
cpu=$(own_dir cpu)
dead=$(sh -c 'echo $$')  # a pid that has just exited
kill -0 "$dead" 2>/dev/null && fail "pid $dead lives again"

# The fixtures, named with the token so that on_exit reports any that is left.
abandoned=$cpu/uk-run.$dead.a$UK_TOKEN
held=$cpu/uk-run.$dead.h$UK_TOKEN
live=$cpu/uk-run.$$.l$UK_TOKEN
mkdir -p "$abandoned/A/B" "$held" "$live"
UK_CLEANUP+=("$held" "$live")  # rmdir by rm -rf: only if they are empty
other=
if [[ -d /sys/fs/cgroup/cpuset ]] && cpuset=$(own_dir cpuset) && mkdir "$cpuset/uk-run.$dead.c$UK_TOKEN" 2>/dev/null; then
  other=$cpuset/uk-run.$dead.c$UK_TOKEN
fi
flock -n "$held" sleep 60 &
holder=$!
for _ in $(seq 100); do grep -q ":$(stat -c %i "$held") " /proc/locks && break; sleep 0.05; done
"$UKRUN" -- true || fail "uk-run true failed"
[[ -d $abandoned ]] && fail "an abandoned subtree stays: $(find "$abandoned")"
[[ -n $other && -d $other ]] && fail "an abandoned cpuset subtree stays: $other"
[[ -d $held ]] || fail "a subtree whose lock is held was removed"
[[ -d $live ]] || fail "a subtree whose pid lives was removed"
kill $holder
wait $holder 2>/dev/null || true
holder=
rmdir "$held" "$live"

# The runner's way: a child subreaper kills every descendant of a live run at once.
python3 - "$UKRUN" "$TMP/killed" <<'EOF'
import ctypes, glob, os, signal, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
run = os.fork()
if run == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--", "sleep", "60"])
deadline = time.time() + 10
while not glob.glob("/sys/fs/cgroup/cpu/**/uk-run.%d.*" % run, recursive=True):
    if time.time() > deadline:
        sys.exit("no subtree of uk-run %d" % run)
    time.sleep(0.05)
time.sleep(0.5)  # the supervisor runs, the cleanup helper waits
def children(pid):
    out = []
    for f in glob.glob("/proc/%d/task/*/children" % pid):
        try:
            out += [int(c) for c in open(f).read().split()]
        except OSError:
            pass
    return out
while True:
    kids = children(os.getpid())
    if not kids:
        break
    for k in kids:
        os.kill(k, signal.SIGKILL)
    for k in kids:
        os.waitpid(k, 0)
open(sys.argv[2], "w").write("%d\n" % run)
EOF
killed=$(cat "$TMP/killed")
left=$(host_subtrees "$killed")
echo "subtrees left by the killed run: ${left:-none}"
# Its tasks die with its pid namespace: a subtree that still holds one is not swept.
for _ in $(seq 100); do
  [[ -z $left || -z $(find $left -name tasks -exec cat {} + 2>/dev/null) ]] && break
  sleep 0.05
done
"$UKRUN" -- true || fail "uk-run true after the kill failed"
expect_eq "subtrees of the killed run after the next run" "" "$(host_subtrees "$killed")"
echo PASS
