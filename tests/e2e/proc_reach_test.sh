#!/bin/bash
# Every path to an emulated /proc file reads uk's file, never the host's: relative to
# the cwd or a directory fd, with `..`, `.` or doubled slashes, through a symlink
# (/etc/mtab -> /proc/mounts, one of the program's own), through the magic links
# /proc/self/root, /proc/self/fd/N and /dev/fd/N, through thread-self. Before, only a
# path that began with "/proc/" and named the file directly was emulated: the others
# read the host's /proc/self/cgroup (the host's hierarchies and cgroup paths) and the
# host's cgroup mounts (/etc/mtab), and /proc/self/mountstats was not emulated at all
# (the host's cgroup mounts, uk's as fuse.container). The shell is moved to a container
# first, so that uk's /proc/self/cgroup names it and differs from any host file.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/h
mkdir $d
out=$("$UKRUN" --mount container:cpuacct:$d -- bash -c '
d='"$d"'
mkdir $d/reach
echo $$ > $d/reach/tasks
want=$(cat /proc/self/cgroup)
grep -q ":/reach$" <<<"$want" || echo "NOT IN uk: $want"
check() {
  local got
  got=$(eval "$2" 2>&1)
  [[ "$got" == "$want" ]] && echo "$1 same" || echo "$1 DIFFERENT: $(head -2 <<<"$got" | tr "\n" "|")"
}
check cwd "(cd /proc/self && cat cgroup)"
check cwd-pid "(cd /proc/$$ && cat cgroup)"
check dirfd "python3 -c \"import os, sys; fd = os.open(\\\"/proc/self\\\", os.O_RDONLY | os.O_DIRECTORY); sys.stdout.write(open(os.open(\\\"cgroup\\\", os.O_RDONLY, dir_fd=fd)).read())\""
check dotdot "cat /proc/../proc/self/cgroup"
check dot "cat /./proc/./self/cgroup"
check slashes "cat //proc//self//cgroup"
check symlink "ln -s /proc/self/cgroup $d/../link && cat $d/../link"
check root "cat /proc/self/root/proc/self/cgroup"
check fd "exec 7</proc/self; cat /proc/self/fd/7/cgroup"
check devfd "exec 7</proc/self; cat /dev/fd/7/cgroup"
check thread-self "cat /proc/thread-self/cgroup"
check relative-dotdot "(cd /proc/self/task && cat ../cgroup)"
echo "mtab $(grep " cgroup\| container" /etc/mtab | md5sum | cut -c1-8) mounts $(grep " cgroup\| container" /proc/self/mounts | md5sum | cut -c1-8)"
echo "mtab-host-cgroup $(grep -c "^cgroup" /etc/mtab)"
echo "mountstats host-cgroup $(grep -c "fstype cgroup" /proc/self/mountstats) uk $(grep -c "mounted on $d with fstype container$" /proc/self/mountstats) lines $(($(wc -l </proc/self/mountstats) - $(wc -l </proc/self/mounts)))"
')
echo "$out"
grep -q "NOT IN uk" <<<"$out" && fail "the shell is not in uk's container"
for c in cwd cwd-pid dirfd dotdot dot slashes symlink root fd devfd thread-self relative-dotdot; do
  grep -qx "$c same" <<<"$out" || fail "$c: $(grep "^$c " <<<"$out")"
done
grep -q "^mtab \([0-9a-f]*\) mounts \1$" <<<"$out" || fail "/etc/mtab differs from /proc/self/mounts"
grep -qx "mtab-host-cgroup 0" <<<"$out" || fail "/etc/mtab shows the host's cgroup mounts"
# mountstats, a line a mount as in mounts: uk's mount as the kernel's, no host hierarchy.
grep -qx "mountstats host-cgroup 0 uk 1 lines 0" <<<"$out" || fail "mountstats: $(grep mountstats <<<"$out")"
expect_no_uk_mounts
echo PASS
