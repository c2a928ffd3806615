#!/bin/bash
# uk's mount table against the real one (issue 17 §1, §4), each run under --check (which
# compares them and exits 125 on a difference):
# - a different hierarchy mounted on a uk mount stacks on it, as in Linux; the same
#   one again is EBUSY (do_add_mount), an overlapping subsystem set EBUSY (the kernel's
#   rebind); a process inside the covered mount still sees its own hierarchy, and the
#   umount of the top one uncovers it;
# - a bind of a uk mount and a move of its parent keep it, umount -l of a parent takes it;
# - a release agent (not under the filter) that unmounts behind the trap: the mountinfo
#   poll drops the record;
# - a remount that changes the subsystem set while a removed child is held open;
# - --mount creates every missing component of DIR and removes only those at exit;
# - one /proc in the tables, as natively.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
MC="$HELPERS/mount_call"

# run NAME [UK-RUN OPTIONS...] -- SCRIPT: runs SCRIPT under uk-run --check; its output
# goes to $TMP/NAME.out and uk-run's status must be 0.
run() {
  local name=$1 rc=0
  shift
  "$UKRUN" --check --cpu-enforcement=none "${@:1:$#-2}" -- bash -c "${@: -1}" >$TMP/$name.out 2>&1 || rc=$?
  ! grep "uk-run: --check:" $TMP/$name.out || fail "$name: --check reported a violation"
  expect_eq "$name: uk-run status" 0 $rc
}

# Stacking.
d=$TMP/stack
mkdir $d
run stack -- "
set -e
$MC mount a $d cgroup 0 cpu
mkdir $d/low
(cd $d/low && exec sleep 60) &
sleep 0.2
$MC mount b $d cgroup 0 cpuacct
grep ' $d ' /proc/mounts
ls $d | grep -cx cpuacct.usage
ls /proc/\$!/cwd | grep -c cpu.shares
$MC mount b $d cgroup 0 cpuacct || true
$MC mount c $d cgroup 0 cpu,cpuacct || true
$MC umount $d 0
grep ' $d ' /proc/mounts
ls $d | grep -x low
kill \$!
wait \$! || true
rmdir $d/low
$MC umount $d 0
grep -c ' $d ' /proc/mounts || true
"
expect_eq "stack" "ok
ok
a $d cgroup rw,relatime,cpu 0 0
b $d cgroup rw,relatime,cpuacct 0 0
1
1
EBUSY
EBUSY
ok
a $d cgroup rw,relatime,cpu 0 0
low
ok
0" "$(cat $TMP/stack.out)"

# Bind, move and lazy umount of a parent.
p=$TMP/p q=$TMP/q b=$TMP/b
mkdir $p $q $b
run moves -- "
$MC mount t $p tmpfs 0 ''
mkdir $p/c
$MC mount x $p/c cgroup 0 cpu
$MC mount $p/c $b '' bind ''
$MC mount $p $q '' move ''
grep -E ' ($b|$p/c|$q/c) ' /proc/mounts
$MC umount $q/c 0
ls $b | grep -c cpu.shares
$MC umount $b 0
awk '\$1 == \"cpu\" { print \"cpu bound:\", \$2 != 0 }' /proc/cgroups
$MC mount y $q/c cgroup 0 cpu
$MC umount $q detach
grep -cE ' $q(/c)? ' /proc/mounts
awk '\$1 == \"cpu\" { print \"cpu bound:\", \$2 != 0 }' /proc/cgroups
"
expect_eq "moves" "ok
ok
ok
ok
x $q/c cgroup rw,relatime,cpu 0 0
x $b cgroup rw,relatime,cpu 0 0
ok
1
ok
cpu bound: 0
ok
ok
0
cpu bound: 0" "$(cat $TMP/moves.out)"

# An unmount the trap never sees: a release agent runs outside the filter, removes the
# group and detaches the mount; the mountinfo poll (POLLPRI) must drop uk's record and
# the kernel's mount, which unbinds cpu. Without --check, whose pass every second
# would reconcile too.
r=$TMP/rel
mkdir $r
cat >$TMP/agent <<EOF
#!/bin/sh
rmdir $r\$1
umount -l $r
echo "\$1" >$TMP/agent.out
EOF
chmod +x $TMP/agent
rc=0
"$UKRUN" --cpu-enforcement=none -- bash -c "
$MC mount x $r cgroup 0 cpu
echo $TMP/agent > $r/release_agent
mkdir $r/g
echo 1 > $r/g/notify_on_release
sh -c 'echo \$\$ > $r/g/tasks'
for i in \$(seq 100); do [[ -s $TMP/agent.out ]] && break; sleep 0.05; done
cat $TMP/agent.out
for i in \$(seq 100); do grep -q '^cpu\s0' /proc/cgroups && break; sleep 0.05; done
awk '\$1 == \"cpu\" { print \"cpu hierarchy:\", \$2 != 0, \$3 }' /proc/cgroups
grep -c ' $r ' /proc/mounts
$MC umount $r 0
" >$TMP/release.out 2>&1 || rc=$?
expect_eq "release agent: uk-run status" 1 $rc
expect_eq "release agent" "ok
/g
cpu hierarchy: 0 1
0
EINVAL" "$(cat $TMP/release.out)"

# Remount while a removed child is held open. Today's cgroup1_reconfigure refuses a
# populated hierarchy (EBUSY while root->cgrp.self.children is not empty); a removed
# child leaves that list once released (css_release_work_fn), which an open file does
# not delay (kernfs pins the node, not the cgroup), as 2.6.24's container_rmdir
# unlinks it at once: the remount succeeds. A live child: EBUSY.
m=$TMP/re
mkdir $m
for flavour in cgroup container; do
  run remount-$flavour -- "
$MC mount x $m $flavour 0 cpu
mkdir $m/sub
exec 3<$m/sub/tasks
rmdir $m/sub
$MC mount x $m '' remount cpuacct
grep ' $m ' /proc/mounts
exec 3<&-
mkdir $m/live
$MC mount x $m '' remount cpu
rmdir $m/live
$MC mount x $m '' remount cpu
grep ' $m ' /proc/mounts
$MC umount $m 0
"
  expect_eq "remount ($flavour)" "ok
ok
x $m $flavour rw,relatime,cpuacct 0 0
EBUSY
ok
x $m $flavour rw,relatime,cpu 0 0
ok" "$(cat $TMP/remount-$flavour.out)"
done

# --mount with missing parents: all made, and only those removed at exit.
mkdir $TMP/have
run parents --mount cgroup:cpu:$TMP/have/x/y/z -- "grep -c ' $TMP/have/x/y/z cgroup ' /proc/mounts"
expect_eq "--mount DIR with parents" "1" "$(cat $TMP/parents.out)"
[[ -d $TMP/have && ! -e $TMP/have/x ]] || fail "--mount: the directories made are not all gone"
# The run's own /proc (its pid namespace's) covers the /proc it started with: the mount
# tables show one /proc with the same options, as natively (before: two, the run's with
# nosuid,nodev,noexec added). Mount ids differ (a mount namespace of its own).
proc_lines='grep " /proc " /proc/self/mountinfo | cut -d" " -f4-; grep " /proc " /proc/mounts
grep " on /proc " /proc/self/mountstats'
run proc_mount -- "$proc_lines"
expect_eq "/proc in the mount tables" "$(bash -c "$proc_lines")" "$(cat $TMP/proc_mount.out)"
expect_no_uk_mounts
echo "mount_table_test: ok"
