#!/bin/bash
# pids (uk-run --pids, implied by a --mount that binds pids): with pids.max=5, a process
# in the container forking 10 sleeps (and staying) gets EAGAIN for every fork past the limit, exactly
# 5 tasks are in the container (its threads + the sleeps) and pids.current says 5; the limit
# counts descendants; "max" lifts it. Without --pids, a limit is refused (below).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/p
out=$("$UKRUN" --mount container:pids:$d -- bash -c '
d='"$d"'
mkdir $d/lim $d/lim/sub
echo 5 > $d/lim/max
cat $d/lim/max | sed "s/^/max=/"
# A child shell in the container runs the forker (the shell itself is not in it).
sh -c "echo \$\$ > $d/lim/tasks; exec '"$HELPERS"'/forker 10" > '"$TMP"'/forked & f=$!
for i in $(seq 100); do grep -qx done '"$TMP"'/forked && break; sleep 0.1; done
head -1 '"$TMP"'/forked
echo tasks=$(wc -l < $d/lim/tasks)
echo current=$(cat $d/lim/current)
kids=$(sed "1d;/done/d" '"$TMP"'/forked)
kill $f; wait $f 2>/dev/null
# A descendant counts against its ancestor: sub is full as long as lim is.
sh -c "echo \$\$ > $d/lim/sub/tasks; /bin/true" 2>/dev/null && echo sub=forked || echo sub=refused
echo max > $d/lim/max
sh -c "echo \$\$ > $d/lim/sub/tasks; /bin/true" && echo sub2=forked
kill $kids
' 2>&1)
echo "$out"
grep -qx "max=5" <<<"$out" || fail "pids.max"
# The forker's own threads count as tasks too (1, or more if a runtime started one).
threads=$(sed -n 's/^threads=\([0-9]*\) .*/\1/p' <<<"$out")
[[ -n "$threads" ]] || fail "the forker's counts"
grep -qx "threads=$threads forked=$((5 - threads)) eagain=$((5 + threads)) other=0" <<<"$out" ||
  fail "forks past pids.max must fail with EAGAIN"
grep -qx "tasks=5" <<<"$out" || fail "exactly 5 tasks"
grep -qx "current=5" <<<"$out" || fail "pids.current"
grep -qx "sub=refused" <<<"$out" || fail "a full parent must refuse forks in a child container"
grep -qx "sub2=forked" <<<"$out" || fail "max lifts the limit"
expect_no_uk_mounts

# Without --pids forks are not trapped, so no limit could be enforced: a pids hierarchy
# mounted from inside refuses a limit with EOPNOTSUPP (uk-run says once, on stderr, that
# --pids enables it), accepts "max", and three forks all succeed.
d2=$TMP/nopids
mkdir $d2
"$UKRUN" -- bash -c '
d='"$d2"'
mount -t cgroup -o pids none $d || exit 9
mkdir $d/l
echo $$ > $d/l/tasks
echo 2 > $d/l/pids.max
echo 3 > $d/l/pids.max
echo max > $d/l/pids.max && echo max=accepted
echo limit=$(cat $d/l/pids.max)
n=0; for i in 1 2 3; do (sleep 0.1) && n=$((n+1)); done; echo forks=$n
' >$TMP/nopids.out 2>$TMP/nopids.err
cat $TMP/nopids.out $TMP/nopids.err
expect_eq "without --pids: stdout" "max=accepted
limit=max
forks=3" "$(cat $TMP/nopids.out)"
expect_eq "without --pids: stderr" "uk-run: pids.max: a limit is enforced only with --pids (forks are trapped then); without it, writing one fails with EOPNOTSUPP
bash: line 6: echo: write error: Operation not supported
bash: line 7: echo: write error: Operation not supported" "$(cat $TMP/nopids.err)"
expect_no_uk_mounts

# -t cgroup (today's pids_files_legacy[]): a poller waiting on pids.events is woken by a
# refused fork (the shim's FUSE_NOTIFY_POLL), with kernfs's POLLERR | POLLPRI, and
# reads "max 1"; pids.peak counts the refused fork's charge at the group below the
# limit (pids_try_charge passes it before the parent refuses).
d3=$TMP/legacy
mkdir $d3
"$UKRUN" --pids -- bash -c '
d='"$d3"'
mount -t cgroup -o pids none $d || exit 9
mkdir $d/l $d/l/sub
echo 1 > $d/l/pids.max
python3 - $d/l/sub/pids.events >'"$TMP"'/poller <<PY &
import os, select, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print("before:", os.read(fd, 64).decode().strip(), flush=True)
p = select.poll()
p.register(fd, select.POLLPRI)
ev = p.poll(20000)
print("woken:", [hex(e) for _, e in ev])
print("after:", os.pread(fd, 64, 0).decode().strip())
PY
poller=$!
for i in $(seq 100); do grep -qs before '"$TMP"'/poller && break; sleep 0.1; done
sleep 0.2
sh -c "echo \$\$ > $d/l/sub/tasks; /bin/true" 2>/dev/null && echo fork=ok || echo fork=refused
wait $poller
cat '"$TMP"'/poller
echo peak=$(cat $d/l/sub/pids.peak) $(cat $d/l/pids.peak) events=$(cat $d/l/pids.events)
umount $d
' >$TMP/legacy.out 2>&1
cat $TMP/legacy.out
expect_eq "-t cgroup: pids.events and its poll" "fork=refused
before: max 0
woken: ['0xa']
after: max 1
peak=2 1 events=max 0" "$(cat $TMP/legacy.out)"
expect_no_uk_mounts
