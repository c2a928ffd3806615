#!/bin/bash
# uk-run serves FUSE requests with one loop per CPU (fuse_bridge.cc, start_workers), so
# requests of processes on different CPUs run concurrently. Four shells, each pinned to
# a CPU where the host has more than one, make a container, move themselves in, find
# themselves listed, move back and remove it, 150 times each, while a fifth reads the
# top `tasks` file: every step must succeed, and uk-run --check (invariants after every
# fork and at the end) must find nothing.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/c
mkdir $d
cpus=$(nproc)
rc=0
out=$("$UKRUN" --check -- bash -c "
set -u
mount -t container -o cpuacct none $d
worker() {
  local i=\$1 bad=0
  for r in \$(seq 150); do
    local c=$d/w\${i}_\$r
    mkdir \$c || bad=\$((bad + 1))
    echo \$BASHPID > \$c/tasks || bad=\$((bad + 1))
    grep -qx \$BASHPID \$c/tasks || bad=\$((bad + 1))
    echo \$BASHPID > $d/tasks || bad=\$((bad + 1))
    rmdir \$c || bad=\$((bad + 1))
  done
  echo worker\$i bad=\$bad
}
reader() {
  local bad=0
  for r in \$(seq 300); do cat $d/tasks >/dev/null || bad=\$((bad + 1)); done
  echo reader bad=\$bad
}
for i in 0 1 2 3; do
  if command -v taskset >/dev/null && (( $cpus > 1 )); then
    taskset -c \$((i % $cpus)) bash -c \"\$(declare -f worker); worker \$i\" &
  else
    worker \$i &
  fi
done
reader &
wait
ls $d | grep -c '^w' || true
umount $d
" 2>&1) || rc=$?
echo "$out"
expect_eq "uk-run status" 0 $rc
for who in worker0 worker1 worker2 worker3 reader; do
  grep -qx "$who bad=0" <<<"$out" || fail "$who: some step failed"
done
grep -qx 0 <<<"$out" || fail "containers left behind"
grep -q -- "--check" <<<"$out" && fail "uk-run --check found a violation"
expect_no_uk_mounts
echo "fuse_parallel_test: ok"
