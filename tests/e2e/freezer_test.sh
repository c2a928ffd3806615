#!/bin/bash
# freezer (freezer.state under -t cgroup) on real processes, with the CPU-share
# enforcer running (cpu in the same hierarchy, a second burner in a sibling): a
# busy-looping process in a FROZEN container gets no CPU time over 300 ms (utime in
# /proc/PID/stat); a process attached into the frozen container is frozen too; after
# THAWED it runs again. FREEZING and garbage are EINVAL; the root has no freezer.state.
# Twice: with --cpu-enforcement=signals (frozen by SIGSTOP: state T, the burner's
# SIGCONT handler runs), and with uk-run's default, which where the host allows it
# freezes with cgroup2's freeze (uk-run says so): state S (the kernel's freezer trap)
# and no SIGCONT at all. (After THAWED the signals enforcer may still duty-cycle the
# burner against its sibling, so only its CPU time is checked, not its state.)
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
# run_mode [UK-RUN OPTION...]: checks one run.
run_mode() {
d=$TMP/f$#
out=$("$UKRUN" "$@" --mount cgroup:freezer,cpu:$d -- bash -c '
d='"$d"'
utime() { sed "s/.*) //" /proc/$1/stat | cut -d" " -f12; }
pstate() { sed "s/.*) //" /proc/$1/stat | cut -d" " -f1; }
[ -e $d/freezer.state ] && echo root=has || echo root=none
mkdir $d/f $d/g
echo state0=$(cat $d/f/freezer.state)
python3 -c "
import os, signal, sys
n = 0
def on_cont(sig, frame):
    global n
    n += 1
def on_term(sig, frame):
    print(\"sigcont=%d\" % n, flush=True)
    os._exit(0)
signal.signal(signal.SIGCONT, on_cont)
signal.signal(signal.SIGTERM, on_term)
open(\"$d/f/tasks\", \"w\").write(str(os.getpid()))
while True:
    pass
" & b=$!
until grep -qx $b $d/f/tasks; do sleep 0.01; done  # it moves itself: once started
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
# Frozen by cgroup2 (uk-run's announcement says so) or by SIGSTOP.
if grep -q "freezer.state by cgroup2's freeze" <<<"$out"; then
  frozen=S cont="sigcont=0"
else
  frozen=T cont="sigcont=[1-9][0-9]*"
fi
grep -qx "root=none" <<<"$out" || fail "the root must have no freezer.state"
grep -qx "state0=THAWED" <<<"$out" || fail "a new container is THAWED"
grep -qx "state1=FROZEN" <<<"$out" || fail "FROZEN once every task is stopped"
grep -qx "frozen_delta=0 pstate=$frozen" <<<"$out" || fail "a frozen process must not run ($frozen)"
grep -qx "attached=$frozen" <<<"$out" || fail "a task attached into a frozen container is frozen"
grep -qx "freezing=EINVAL" <<<"$out" || fail "FREEZING is not writable"
grep -qx "bogus=EINVAL" <<<"$out" || fail "garbage is EINVAL"
grep -qx "state2=THAWED" <<<"$out" || fail "THAWED"
grep -qE "^thawed_delta=[1-9][0-9]*$" <<<"$out" || fail "a thawed process runs again"
grep -qxE "$cont" <<<"$out" || fail "SIGCONTs: want $cont"
}
run_mode --cpu-enforcement=signals
run_mode
expect_no_uk_mounts
