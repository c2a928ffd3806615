#!/bin/bash
# Debian's cgroup-tools end to end under uk-run: libcgroup_tools.sh uses cgcreate,
# cgset, cgget, cgexec, cgclassify, lscgroup, lssubsys and cgdelete on uk's
# hierarchies; its output must be the expected one below, and the host's own cgroups
# must not change.
set -uo pipefail
UKRUN="$TEST_SRCDIR/uk/harness/uk-run"
SCRIPT="$TEST_SRCDIR/uk/tests/cgroup/libcgroup_tools.sh"
TMP=$(mktemp -d "${TEST_TMPDIR:-/tmp}/uktools.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

if ! command -v cgcreate >/dev/null; then
  echo "SKIP: cgroup-tools is not installed (tools/deps installs it)"
  exit 0
fi
host_groups() { find /sys/fs/cgroup -maxdepth 3 -type d -name grp 2>/dev/null | sort; }
before=$(host_groups)
mkdir "$TMP/w"
"$UKRUN" --cpu-enforcement=none -- bash "$SCRIPT" "$TMP/w" >"$TMP/out" 2>&1
echo "uk-run exit: $?" >>"$TMP/out"
cat >"$TMP/expected" <<'END'
$ grep -E  cgroup2?  /proc/mounts
none B/cpu cgroup rw,relatime,cpu,cpuacct 0 0
cpuset B/cpuset cgroup rw,relatime,cpuset 0 0
none B/rest cgroup rw,relatime,REST 0 0
none B/named cgroup rw,relatime,name=uktools 0 0
$ stat -f -c %t %T B/cpu B/named
27e0eb cgroupfs
27e0eb cgroupfs
$ lssubsys -am
cpuset B/cpuset
cpu,cpuacct B/cpu
REST B/rest
$ lssubsys -i
cpuset 2
cpu,cpuacct 1
REST 3
$ cgcreate -a nobody:nogroup -t daemon:daemon -g cpu,cpuset,name=uktools:/grp/sub
$ stat -c %U:%G %a %n B/cpu/grp B/cpu/grp/sub B/cpu/grp/sub/tasks B/cpu/grp/sub/cpu.shares B/named/grp/sub/cgroup.procs
root:root 755 B/cpu/grp
nobody:nogroup 755 B/cpu/grp/sub
daemon:daemon 644 B/cpu/grp/sub/tasks
nobody:nogroup 644 B/cpu/grp/sub/cpu.shares
nobody:nogroup 644 B/named/grp/sub/cgroup.procs
$ lscgroup
cpu,cpuacct:/
cpu,cpuacct:/grp
cpu,cpuacct:/grp/sub
cpuset:/
cpuset:/grp
cpuset:/grp/sub
REST:/
name=uktools:/
name=uktools:/grp
name=uktools:/grp/sub
$ lscgroup cpuset:/grp
cpuset:/grp/
cpuset:/grp/sub
$ cgset -r cpu.shares=512 grp
$ cgset -r cpuset.cpus=0 -r cpuset.mems=0 grp
$ cgset --copy-from grp grp/sub
$ cat B/cpu/grp/sub/cpu.shares B/cpuset/grp/sub/cpuset.cpus
512
0
$ cgget -n -v -r cpu.shares grp/sub
512
$ cgget -r cpuset.cpus -r cpuset.mems grp
grp:
cpuset.cpus: 0
cpuset.mems: 0

$ cgget -g cpu:grp
grp:
cpu.cfs_burst_us: 0
cpu.cfs_period_us: 100000
cpu.stat: nr_periods 0
	nr_throttled 0
	throttled_time 0
	nr_bursts 0
	burst_time 0
cpu.shares: 512
cpu.idle: 0
cpu.stat.local: throttled_time 0
cpu.cfs_quota_us: -1
cpu.rt_runtime_us: 0
cpu.rt_period_us: 1000000

$ cgexec -g cpu,cpuset,name=uktools:grp/sub cat /proc/self/cgroup
4:name=uktools:/grp/sub
3:REST:/
2:cpuset:/grp/sub
1:cpu,cpuacct:/grp/sub
$ cgexec -g cpuset:grp grep Cpus_allowed_list /proc/self/status
Cpus_allowed_list:	0
$ cgclassify -g cpu,name=uktools:grp P
pid: 4:name=uktools:/grp
pid: 3:REST:/
pid: 2:cpuset:/
pid: 1:cpu,cpuacct:/grp
P in cpu/grp/tasks
P in named/grp/cgroup.procs
$ cgclassify -g cpu:/ P
pid: 4:name=uktools:/grp
pid: 3:REST:/
pid: 2:cpuset:/
pid: 1:cpu,cpuacct:/
$ cgdelete cpuset:/grp
cgdelete: cannot remove group '/grp': Device or resource busy
(exit 96)
$ cgdelete -r cpu:/grp
$ cgdelete -r cpuset:/grp
$ cgdelete -r name=uktools:/grp
$ lscgroup
cpu,cpuacct:/
cpuset:/
REST:/
name=uktools:/
uk-run exit: 0
END
status=0
if diff -u "$TMP/expected" "$TMP/out"; then
  echo "PASS: $(wc -l <"$TMP/out") lines as expected"
else
  echo "FAIL: the tools' output differs (- expected, + uk-run)"
  status=1
fi
if [[ "$(host_groups)" != "$before" ]]; then
  echo "FAIL: the host's cgroups changed: $(host_groups)"
  status=1
fi
exit $status
