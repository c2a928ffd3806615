#!/bin/bash
# cpuset: a new container refuses tasks (ENOSPC, synchronously) until cpus and mems
# are set; then the shell moves, its affinity follows, /proc/<pid>/cpuset shows it.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
out=$("$UKRUN" -- bash -c '
d='"$TMP"'/cs
mkdir $d
mount -t container -o cpuset cs $d || exit 9
mkdir $d/a
if echo $$ > $d/a/tasks 2>/dev/null; then echo attach=ok; else echo attach=failed; fi
echo "$(echo $$ 2>&1 > $d/a/tasks)" | grep -o "No space left on device"
echo 0 > $d/a/cpus
echo 0 > $d/a/mems
echo $$ > $d/a/tasks && echo attach2=ok
grep -qx $$ $d/a/tasks && echo listed
taskset -p $$ | sed "s/.*: /mask=/"
cat /proc/$$/cpuset
umount $d && echo umounted')
echo "$out"
grep -qx "attach=failed" <<<"$out" || fail "attach without cpus must fail"
grep -qx "No space left on device" <<<"$out" || fail "errno must be ENOSPC"
grep -qx "attach2=ok" <<<"$out" || fail "attach after cpus/mems"
grep -qx "listed" <<<"$out" || fail "shell not listed"
grep -qx "mask=1" <<<"$out" || fail "affinity not applied"
grep -qx "/a" <<<"$out" || fail "/proc/<pid>/cpuset"
grep -qx "umounted" <<<"$out" || fail "umount"
expect_no_uk_mounts
