#!/bin/bash
# The run's own host cpusets (harness/README.md, "cpuset: affinity"), checked from outside
# the run: one host cpuset per uk cpuset below the run's subtree, with the same CPUs and
# the host's memory nodes; each real process in the host cpuset of its uk cpuset (the
# supervisor in none); a cpuset's rmdir removes its host cpuset; every process of the run
# is in the cpuset it started in or in the subtree; no other host cpuset's settings
# change. The subtree is gone when the run ends, within 5 s after SIGKILL of the
# supervisor and within 10 s after SIGKILL of the outer uk-run. A run that cannot have
# one (not root) makes none.
# SKIP without root, the host's v1 cpuset hierarchy or CPUs 0 and 1.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
host=/sys/fs/cgroup/cpuset
if [[ $(id -u) != 0 || ! -f $host/cpuset.cpus ]] || ! taskset -c 0,1 true 2>/dev/null; then
  echo "SKIP: needs root, the host's v1 cpuset hierarchy and CPUs 0 and 1"
  exit 0
fi
trap 'rc=$?; kill_runs; on_exit $rc' EXIT
# Every host cpuset but the runs' own, with its settings: a line each.
settings() {
  find "$host" -type d -not -path '*/uk-run.*' 2>/dev/null | sort | while read -r d; do
    echo "$d $(cat "$d"/cpuset.{cpus,mems,cpu_exclusive,mem_exclusive} 2>/dev/null | tr '\n' ' ')"
  done
}
own=$(awk -F: '$2 ~ /(^|,)cpuset(,|$)/ { print $3 }' /proc/self/cgroup)
parent=$host${own%/}
settings >"$TMP/before"

c=$TMP/cs
"$UKRUN" -- bash -c '
set -e
c='"$c"' t='"$TMP"'
mkdir -p $c
mount -t cgroup -o cpuset none $c
mkdir $c/a $c/b
echo 1 > $c/a/cpuset.cpus; echo 0 > $c/a/cpuset.mems
echo 0-1 > $c/b/cpuset.cpus; echo 0 > $c/b/cpuset.mems
sh -c "echo \$\$ > $c/a/tasks; exec sleep 60" & a=$!
sh -c "echo \$\$ > $c/b/tasks; exec sleep 60" & b=$!
while [ "$(cat /proc/$a/comm)/$(cat /proc/$b/comm)" != sleep/sleep ]; do sleep 0.05; done
printf "%s\n" "a $a" "b $b" > $t/placed.tmp
mv $t/placed.tmp $t/placed
while [ ! -e $t/go ]; do sleep 0.05; done
kill $b; wait $b || true
rmdir $c/b
touch $t/removed
while [ ! -e $t/go2 ]; do sleep 0.05; done
kill $a; wait $a || true
rmdir $c/a
umount $c
' 2>"$TMP/err" &
outer=$!
UK_RUNS+=("$outer")
wait_file "$TMP/placed"
sub=$(one_subtree "$outer" "$host" cpuset)
echo "subtree: $sub"
expect_eq "the subtree's place" "$parent/$(basename "$sub")" "$sub"
expect_eq "host cpusets" ". ./cs1 ./cs2" \
  "$(tree_dirs "$sub")"
expect_eq "the subtree's cpus (uk's top cpuset)" "$(cat "$parent/cpuset.cpus")" "$(cat "$sub/cpuset.cpus")"
for g in cs1:1 cs2:0-1; do
  expect_eq "cpuset.cpus of ${g%:*}" "${g#*:}" "$(cat "$sub/${g%:*}/cpuset.cpus")"
  expect_eq "cpuset.mems of ${g%:*} (the host's)" "$(cat "$parent/cpuset.mems")" \
    "$(cat "$sub/${g%:*}/cpuset.mems")"
done
expect_eq "threads in cs1 (a)" "$(awk '$1 == "a" { print $2 }' "$TMP/placed")" "$(ns_ids "$sub/cs1")"
expect_eq "threads in cs2 (b)" "$(awk '$1 == "b" { print $2 }' "$TMP/placed")" "$(ns_ids "$sub/cs2")"
expect_eq "threads in the subtree's top" "" "$(ns_ids "$sub")"
a_host=$(cat "$sub/cs1/tasks")
expect_eq "a's mask on the host" "1" "$(taskset -cp "$a_host" | sed 's/.*: //')"
sup=$(pgrep -P "$outer" -x uk-supervisor)
grep -rqx "$sup" "$sub" --include=tasks && fail "the supervisor ($sup) was moved"
# Every process of the run: where it started, or in the subtree.
ns=$(readlink "/proc/$sup/ns/pid")
for p in /proc/[0-9]*; do
  [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]] || continue
  where=$(cat "$p/cpuset" 2>/dev/null) || continue
  [[ $where == "$own" || $where == "${own%/}/$(basename "$sub")"* ]] ||
    fail "${p#/proc/} ($(cat "$p/comm")) is in host cpuset $where"
done
touch "$TMP/go"
wait_file "$TMP/removed"
[[ -d $sub/cs2 ]] && fail "rmdir b left its host cpuset"
touch "$TMP/go2"
wait "$outer" || fail "the run failed: $(cat "$TMP/err")"
expect_eq "subtree after the run" "" "$(host_subtrees "$outer")"
settings >"$TMP/after"
# Cpusets others made or removed meanwhile are left out: only those in both compare.
changed=$(awk 'NR == FNR { b[$1] = $0; next } ($1 in b) && b[$1] != $0' "$TMP/before" "$TMP/after")
expect_eq "other host cpusets' settings" "" "$changed"

# SIGKILL of the supervisor, then of the outer uk-run: the subtree goes all the same.
for whom in supervisor outer; do
  sigkill_removes_subtrees $whom "$host" cs1 '
c='"$c"'-'$whom'; mkdir -p $c; mount -t cgroup -o cpuset none $c; mkdir $c/a
echo 0 > $c/a/cpuset.cpus; echo 0 > $c/a/cpuset.mems
sh -c "echo \$\$ > $c/a/tasks; exec sleep 60" &
sleep 60'
done

# Not root: no subtree (masks are bounded by observation).
if nonroot_setup; then
  as_nobody "$NR_UKRUN" -- sleep 2 &
  sub=$!  # the subshell running as_nobody: uk-run is its child
  supervisor=$(supervisor_of "$sub")
  [[ -n $supervisor ]] || fail "the non-root run never started"
  nobody=$(ps -o ppid= -p "$supervisor" | tr -d ' ')  # the outer uk-run
  [[ -n $nobody ]] || fail "the non-root run's uk-run is gone"
  expect_eq "a non-root run's cpuset subtree" "" "$(host_subtrees "$nobody" | grep "^$host/" || true)"
  wait "$sub" || fail "the non-root run failed"
else
  echo "SKIP PART: no setpriv for the non-root run"
fi
expect_no_uk_mounts
echo PASS
