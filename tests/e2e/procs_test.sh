#!/bin/bash
# Process tracking: 200 children forked at once are all listed and all gone after
# they exit; kill -9 of a traced child removes it; a multithreaded process lists
# every tid; a static binary's raw forks and threads are tracked; a signal storm
# during forks never makes a fork fail; the CPU time of processes that were never tasks
# goes to the shell that reaped them; a task reaped before uk read its exit is charged
# to its own group.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/h
mkdir $d
out=$("$UKRUN" --mount container:cpuacct:$d -- bash -c '
d='"$d"'
mkdir $d/c
echo $$ > $d/c/tasks
pids=""
for i in $(seq 200); do sleep 30 & pids="$pids $!"; done
n=0; for p in $pids; do grep -qx $p $d/c/tasks && n=$((n+1)); done
echo listed=$n
kill -9 $pids; wait 2>/dev/null
n=0; for p in $pids; do grep -qx $p $d/c/tasks && n=$((n+1)); done
echo left=$n
sleep 30 & p=$!
grep -qx $p $d/c/tasks && echo child=listed
kill -9 $p; wait $p 2>/dev/null
grep -qx $p $d/c/tasks || echo child=gone
'"$HELPERS"'/threads '"$d"'/c/tasks
'"$HELPERS"'/threads_static '"$d"'/c/tasks
trap "n=\$((n+1))" USR1
n=0; bad=0
( for i in $(seq 2000); do kill -USR1 $$ 2>/dev/null || break; done ) &
for i in $(seq 150); do /bin/true || bad=$((bad+1)); done
wait
echo forkfail=$bad
')
echo "$out"
grep -qx "listed=200" <<<"$out" || fail "200 children not all listed"
grep -qx "left=0" <<<"$out" || fail "killed children still listed: $(grep left= <<<"$out")"
grep -qx "child=listed" <<<"$out" || fail "child not listed"
grep -qx "child=gone" <<<"$out" || fail "kill -9 child still listed"
[[ $(grep -c "^threads: all [0-9]* tids listed" <<<"$out") == 2 ]] || fail "threads"
grep -qx "forkfail=0" <<<"$out" || fail "a fork failed under signals"

# A loop of short commands: nothing observes between a fork and its exit, so no child
# is a task; their time reaches cpuacct through the shell's cutime + cstime
# (harness/reaped_time.h). Against the shell's `times` (its own and its children's,
# from getrusage): equal but for the two clock ticks /proc truncates cutime and cstime
# to, and the command substitution and `cat` reading usage (not in `times` yet): 30 ms.
# (Without it, usage was the shell's own 85 ms of 450.) The run is traced: the reaped
# time enters the kernel as the trace's "reaped" inputs, and uk-replay --verify reads
# the same usage back from them.
d2=$TMP/acct
mkdir $d2
out=$("$UKRUN" --trace $TMP/acct.trace --mount container:cpuacct:$d2 -- bash -c '
d='"$d2"'
mkdir $d/a; echo $$ > $d/a/tasks
for i in $(seq 300); do /bin/true; done
times; echo usage=$(cat $d/a/usage)')
echo "$out"
ms=$(head -2 <<<"$out" | tr 'ms' '  ' | awk '{t += ($1 * 60 + $2) * 1000 + ($3 * 60 + $4) * 1000} END {printf "%d", t}')
usage=$(($(sed -n 's/^usage=//p' <<<"$out") / 1000000))
echo "times: $ms ms, usage: $usage ms"
((usage >= ms - 30 && usage <= ms + 30)) || fail "cpuacct usage $usage ms, times $ms ms"
grep -q '\["reaped",[0-9]*,[1-9][0-9]*\]' $TMP/acct.trace || fail "no reaped time in the trace"
replayed=$("$TEST_SRCDIR/uk/harness/replay/uk-replay" --verify $TMP/acct.trace) ||
  fail "--verify: $replayed"
echo "$replayed"

# A task reaped before uk read its exit: a subshell moves itself into `a` and execs a
# burner (as cgexec does; a fixed count of loops, so a busy machine slows it but does
# not shorten its CPU time); its parent's wait reaps it at once, usually before the
# supervisor has handled the exit. Its time, past what was read while it ran, is in
# the parent's cutime then, and goes to `a`, not to the parent's group (before: all of
# it went to the root). Against the parent's children's `times` over the subshell,
# within the same 30 ms; under -t cgroup, whose files split it, usage_user + usage_sys
# is usage but for the 10 ms ticks the host's utime and stime are truncated to (as the
# kernel's tick-counted usage_user and usage_sys differ from usage), and the moment
# between the clock's reading and stat's (a task read while it runs). Traced: the split enters as "cpustat" and "reaped_user" inputs (version 8),
# and uk-replay --verify reads the same counts back.
d3=$TMP/acct3
mkdir $d3
out=$("$UKRUN" --trace $TMP/acct3.trace -- bash -c '
d='"$d3"'
mount -t cgroup -o cpuacct none $d && mkdir $d/a || exit 1
# ms FILE: the children'"'"'s line of `times` (run in this shell, not in a substitution).
ms() { tail -1 $1 | tr "ms" "  " | awk "{printf \"%d\", (\$1 * 60 + \$2) * 1000 + (\$3 * 60 + \$4) * 1000}"; }
times >$d.t0
(echo $BASHPID > $d/a/tasks && exec bash -c "i=0; while ((i < 200000)); do ((i++)); done")
times >$d.t1
echo ran=$(($(ms $d.t1) - $(ms $d.t0)))
echo usage=$(($(cat $d/a/cpuacct.usage) / 1000000))
echo split=$((($(cat $d/a/cpuacct.usage_user) + $(cat $d/a/cpuacct.usage_sys)) / 1000000))
umount $d')
echo "$out"
ran=$(sed -n 's/^ran=//p' <<<"$out")
usage=$(sed -n 's/^usage=//p' <<<"$out")
[[ -n "$ran" && -n "$usage" ]] || fail "no answer: $out"
((ran >= 100 && usage >= ran - 30 && usage <= ran + 30)) ||
  fail "the exec'd task's group: usage $usage ms, the task ran $ran ms"
split=$(sed -n 's/^split=//p' <<<"$out")
((split <= usage + 1 && split >= usage - 20)) || fail "usage_user + usage_sys $split ms, usage $usage ms"
grep -q '\["cpustat",[0-9]*,"[0-9]* [0-9]* [0-9]*"\]' $TMP/acct3.trace || fail "no cpustat in the trace"
replayed=$("$TEST_SRCDIR/uk/harness/replay/uk-replay" --verify $TMP/acct3.trace) ||
  fail "--verify: $replayed"
echo "$replayed"
expect_no_uk_mounts
