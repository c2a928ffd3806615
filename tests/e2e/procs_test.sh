#!/bin/bash
# Process tracking: 200 children forked at once are all listed and all gone after
# they exit; kill -9 of a traced child removes it; a multithreaded process lists
# every tid; a static binary's raw forks and threads are tracked; a signal storm
# during forks never makes a fork fail.
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
expect_no_uk_mounts
