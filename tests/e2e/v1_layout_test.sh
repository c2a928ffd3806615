#!/bin/bash
# uk-run --cgroup-v1-layout: uk's hierarchies where a cgroup v1 distribution has them,
# found by legacy v1 tooling (Debian's cgroup-tools) through /proc/mounts, and by a
# script through the cpu link; as root, then as uid 65534 (its FUSE device prepared as
# in nonroot_fuse_test, in a private mount namespace of the test's).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
if ! command -v cgcreate >/dev/null; then
  echo "SKIP: cgroup-tools is not installed (tools/deps installs it)"
  exit 0
fi
# lscgroup leaves name=systemd out, as on a v1 host.
body='export LC_ALL=C
echo $(ls -A /sys/fs/cgroup)
readlink /sys/fs/cgroup/cpu /sys/fs/cgroup/cpuacct
grep " /sys/fs/cgroup" /proc/mounts
grep " /sys/fs/cgroup" /proc/self/mountinfo | cut -d" " -f5-
lscgroup
cgcreate -g cpu:/x && cgexec -g cpu:/x cat /proc/self/cgroup
echo $$ >/sys/fs/cgroup/cpu/x/tasks && grep cpu, /proc/self/cgroup'
# expected TMPFS_OPTIONS
expected() {
  local o="rw,nosuid,nodev,noexec,relatime"
  cat <<END
cpu cpu,cpuacct cpuacct cpuset freezer pids systemd
cpu,cpuacct
cpu,cpuacct
uk-run /sys/fs/cgroup tmpfs $o,$1 0 0
cgroup /sys/fs/cgroup/systemd cgroup $o,name=systemd 0 0
cgroup /sys/fs/cgroup/cpuset cgroup $o,cpuset 0 0
cgroup /sys/fs/cgroup/cpu,cpuacct cgroup $o,cpu,cpuacct 0 0
cgroup /sys/fs/cgroup/freezer cgroup $o,freezer 0 0
cgroup /sys/fs/cgroup/pids cgroup $o,pids 0 0
/sys/fs/cgroup $o - tmpfs uk-run rw,$1
/sys/fs/cgroup/systemd $o - cgroup cgroup rw,name=systemd
/sys/fs/cgroup/cpuset $o - cgroup cgroup rw,cpuset
/sys/fs/cgroup/cpu,cpuacct $o - cgroup cgroup rw,cpu,cpuacct
/sys/fs/cgroup/freezer $o - cgroup cgroup rw,freezer
/sys/fs/cgroup/pids $o - cgroup cgroup rw,pids
cpuset:/
cpu,cpuacct:/
freezer:/
pids:/
5:pids:/
4:freezer:/
3:cpu,cpuacct:/x
2:cpuset:/
1:name=systemd:/
3:cpu,cpuacct:/x
END
}

out=$(cd / && "$UKRUN" --cgroup-v1-layout --cpu-enforcement=none -- bash -c "$body" 2>&1) || fail "uk-run: $out"
echo "$out"
tmpfs_opts="mode=755"
[[ $(id -u) == 0 ]] || tmpfs_opts="$tmpfs_opts,uid=$(id -u),gid=$(id -g)"
expect_eq "layout as uid $(id -u)" "$(expected "$tmpfs_opts")" "$out"
expect_no_uk_mounts

if [[ $(id -u) != 0 ]] || ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null ||
  [[ ! -c /dev/fuse ]] || ! unshare -m --propagation private true 2>/dev/null; then
  echo "SKIP non-root part: needs root, setpriv, unshare, /dev/fuse and mount namespaces"
  exit 0
fi
# uid 65534 cannot search bazel's directories: uk-run is copied to a tmpfs under /tmp,
# mounted only in the private namespace (the empty directory is the host's only trace).
box=$(mktemp -d /tmp/uk-v1layout.XXXXXX)
UK_CLEANUP+=("$box")
out=$(cd / && unshare -m --propagation private bash -c '
set -e
mount -t tmpfs -o mode=755,size=64m none "$1"
cp "$2" "$1/uk-run"
mknod -m 666 "$1/fuse" c 10 229
mount --bind "$1/fuse" /dev/fuse
setpriv --reuid=65534 --regid=65534 --clear-groups "$1/uk-run" --cgroup-v1-layout --cpu-enforcement=none -- bash -c "$3"
' sh "$box" "$UKRUN" "$body" 2>&1) || fail "non-root uk-run: $out"
echo "$out"
expect_eq "layout as uid 65534" "$(expected "mode=755,uid=65534,gid=65534")" "$out"
