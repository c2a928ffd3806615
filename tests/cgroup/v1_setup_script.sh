#!/bin/sh
# A setup script written for a cgroup v1 kernel, the way
# Documentation/admin-guide/cgroup-v1/{cgroups,cpusets}.rst teach it: mount the cpuset
# controller and a named hierarchy for tracking, make a group, give it a CPU and a
# memory node, move a job into both, read everything back, put it back, clean up.
# POSIX sh, nothing uk-specific. v1_script_test.sh runs it unchanged on the host and
# under uk-run and compares the outputs.
#   v1_setup_script.sh BASEDIR
set -e
CG=$1

mkdir -p "$CG/cpuset" "$CG/tracking"
mount -t cgroup -o cpuset cpuset "$CG/cpuset"
mount -t cgroup -o none,name=v1script tracking "$CG/tracking"
grep -q "^cpuset $CG/cpuset cgroup " /proc/mounts
grep -q "^tracking $CG/tracking cgroup .*name=v1script" /proc/mounts
awk '$1 == "cpuset" && $2 != 0 { found = 1 } END { exit !found }' /proc/cgroups

cd "$CG/cpuset"
echo "root cpus: $(cat cpuset.cpus) mems: $(cat cpuset.mems)"
mkdir Charlie
cd Charlie
ls cgroup.procs tasks cpuset.cpus cpuset.mems cpuset.cpu_exclusive notify_on_release
echo "new group cpus: [$(cat cpuset.cpus)] mems: [$(cat cpuset.mems)]"
/bin/echo 0 >cpuset.cpus
/bin/echo 0 >cpuset.mems
echo "Charlie cpus: $(cat cpuset.cpus) mems: $(cat cpuset.mems)"

mkdir "$CG/tracking/jobs"
echo 1 >"$CG/tracking/jobs/notify_on_release"

# A job, moved into both groups.
sleep 30 &
job=$!
/bin/echo $job >tasks
echo $job >"$CG/tracking/jobs/cgroup.procs"
[ "$(cat tasks)" = "$job" ] && echo "job listed in Charlie/tasks"
[ "$(cat "$CG/tracking/jobs/tasks")" = "$job" ] && echo "job listed in jobs/tasks"
grep -E ':(cpuset|name=v1script):' /proc/$job/cgroup | cut -d: -f2- | sort
echo "job cpuset: $(cat /proc/$job/cpuset)"
echo "job affinity: $(taskset -cp $job | sed 's/.*: //')"

# This shell's own child, moving itself as the documentation's `echo $$ > tasks`.
sh -c 'echo $$ > tasks; grep -E ":cpuset:" /proc/self/cgroup | cut -d: -f2-'

# A busy group cannot go.
if rmdir "$CG/cpuset/Charlie" 2>/dev/null; then echo "rmdir busy group: ok"; else echo "rmdir busy group: refused"; fi

# Back to the roots, then clean up.
/bin/echo $job >"$CG/cpuset/tasks"
echo $job >"$CG/tracking/cgroup.procs"
grep -E ':(cpuset|name=v1script):' /proc/$job/cgroup | cut -d: -f2- | sort
kill $job
wait $job 2>/dev/null || true
cd /
rmdir "$CG/cpuset/Charlie" "$CG/tracking/jobs"
umount "$CG/cpuset"
umount "$CG/tracking"
grep -c "$CG" /proc/mounts || true
echo done
