#!/bin/bash
# freezer (freezer.state under -t cgroup) on real processes, with the CPU-share
# enforcer running (cpu in the same hierarchy, a second burner in a sibling): a
# busy-looping process in a FROZEN container gets no CPU time over 300 ms (utime in
# /proc/PID/stat) and is in state T; a process attached into the frozen container is
# stopped too; after THAWED it runs again. FREEZING and garbage are EINVAL; the root
# has no freezer.state. (After THAWED the enforcer may still duty-cycle the burner
# against its sibling, so only its CPU time is checked, not its state.)
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/f
out=$("$UKRUN" --mount cgroup:freezer,cpu:$d -- bash -c '
d='"$d"'
utime() { sed "s/.*) //" /proc/$1/stat | cut -d" " -f12; }
pstate() { sed "s/.*) //" /proc/$1/stat | cut -d" " -f1; }
[ -e $d/freezer.state ] && echo root=has || echo root=none
mkdir $d/f $d/g
echo state0=$(cat $d/f/freezer.state)
sh -c "echo \$\$ > $d/f/tasks; while :; do :; done" & b=$!
sh -c "echo \$\$ > $d/g/tasks; while :; do :; done" & o=$!
sleep 0.3
echo FROZEN > $d/f/freezer.state
for i in $(seq 100); do [ "$(cat $d/f/freezer.state)" = FROZEN ] && break; sleep 0.02; done
echo state1=$(cat $d/f/freezer.state)
u1=$(utime $b); sleep 0.3; u2=$(utime $b)
echo frozen_delta=$((u2-u1)) pstate=$(pstate $b)
sleep 10 & s=$!
echo $s > $d/f/tasks
sleep 0.1
echo attached=$(pstate $s)
echo FREEZING > $d/f/freezer.state 2>/dev/null && echo freezing=ok || echo freezing=EINVAL
echo bogus > $d/f/freezer.state 2>/dev/null && echo bogus=ok || echo bogus=EINVAL
echo THAWED > $d/f/freezer.state
echo state2=$(cat $d/f/freezer.state)
u1=$(utime $b); sleep 0.3; u2=$(utime $b)
echo thawed_delta=$((u2-u1))
kill $b $o $s; wait 2>/dev/null
' 2>&1)
echo "$out"
grep -qx "root=none" <<<"$out" || fail "the root must have no freezer.state"
grep -qx "state0=THAWED" <<<"$out" || fail "a new container is THAWED"
grep -qx "state1=FROZEN" <<<"$out" || fail "FROZEN once every task is stopped"
grep -qx "frozen_delta=0 pstate=T" <<<"$out" || fail "a frozen process must not run"
grep -qx "attached=T" <<<"$out" || fail "a task attached into a frozen container is frozen"
grep -qx "freezing=EINVAL" <<<"$out" || fail "FREEZING is not writable"
grep -qx "bogus=EINVAL" <<<"$out" || fail "garbage is EINVAL"
grep -qx "state2=THAWED" <<<"$out" || fail "THAWED"
grep -qE "^thawed_delta=[1-9][0-9]*$" <<<"$out" || fail "a thawed process runs again"
expect_no_uk_mounts
