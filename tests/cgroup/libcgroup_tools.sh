#!/bin/bash
# Debian's cgroup-tools (libcgroup) against uk's hierarchies; run under uk-run by
# libcgroup_tools_test.sh, which compares the output with the expected one.
#   libcgroup_tools.sh WORKDIR
set -u
B=$1
# Never let the tools near the host's cgroups: only uk's hierarchies may be mounted.
if grep -E ' cgroup2? ' /proc/mounts; then
  echo "ABORT: cgroup mounts before any uk mount"
  exit 1
fi
# Every subsystem but cpu, cpuacct and cpuset goes into one more hierarchy, shown as
# REST: libcgroup 2.0.2's lssubsys fails (status 82) with any controller in no
# hierarchy, on the host too.
REST=$(awk 'NR > 1 && $1 != "cpu" && $1 != "cpuacct" && $1 != "cpuset" { print $1 }' \
  /proc/cgroups | paste -sd,)
P=none
run() {
  echo "\$ $*" | sed "s|$B|B|g; s/\b$P\b/P/g"
  "$@" 2>&1 | sed "s|$B|B|g; s/$REST/REST/g"
  local rc=${PIPESTATUS[0]}
  [[ $rc == 0 ]] || echo "(exit $rc)"
}
mkdir -p "$B/cpu" "$B/cpuset" "$B/rest" "$B/named"
mount -t cgroup -o cpu,cpuacct none "$B/cpu"
mount -t cgroup -o cpuset cpuset "$B/cpuset"
mount -t cgroup -o "$REST" none "$B/rest"
mount -t cgroup -o none,name=uktools none "$B/named"
run grep -E ' cgroup2? ' /proc/mounts
run stat -f -c '%t %T' "$B/cpu" "$B/named"
run lssubsys -am
run lssubsys -i
run cgcreate -a nobody:nogroup -t daemon:daemon -g cpu,cpuset,name=uktools:/grp/sub
# As on the host: the leaf is -a's, its tasks -t's, the parent made on the way root's.
run stat -c '%U:%G %a %n' "$B/cpu/grp" "$B/cpu/grp/sub" "$B/cpu/grp/sub/tasks" \
  "$B/cpu/grp/sub/cpu.shares" "$B/named/grp/sub/cgroup.procs"
run lscgroup
run lscgroup cpuset:/grp
run cgset -r cpu.shares=512 grp
run cgset -r cpuset.cpus=0 -r cpuset.mems=0 grp
run cgset --copy-from grp grp/sub
run cat "$B/cpu/grp/sub/cpu.shares" "$B/cpuset/grp/sub/cpuset.cpus"
run cgget -n -v -r cpu.shares grp/sub
run cgget -r cpuset.cpus -r cpuset.mems grp
run cgget -g cpu:grp
run cgexec -g cpu,cpuset,name=uktools:grp/sub cat /proc/self/cgroup
run cgexec -g cpuset:grp grep Cpus_allowed_list /proc/self/status
sleep 60 &
P=$!
run cgclassify -g cpu,name=uktools:grp $P
sed "s/^/pid: /; s/$REST/REST/" "/proc/$P/cgroup"
grep -qx "$P" "$B/cpu/grp/tasks" && echo "P in cpu/grp/tasks"
grep -qx "$P" "$B/named/grp/cgroup.procs" && echo "P in named/grp/cgroup.procs"
run cgclassify -g cpu:/ $P
sed "s/^/pid: /; s/$REST/REST/" "/proc/$P/cgroup"
kill $P
wait $P 2>/dev/null
run cgdelete cpuset:/grp
# libcgroup 2.0.2's cgdelete removes only the first controller it is given for a group
# (on the host too): one call per hierarchy.
run cgdelete -r cpu:/grp
run cgdelete -r cpuset:/grp
run cgdelete -r name=uktools:/grp
run lscgroup
