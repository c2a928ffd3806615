#!/bin/bash
# --cpu-enforcement=host-cgroup on the host's cgroups, checked from outside the run:
# the run's subtree mirrors uk's cpu containers (one directory each, cpu.shares copied),
# every thread is in its container's directory (per thread: a process's threads in two
# containers), the supervisor in none; a container's rmdir removes its directory; the
# program's own /proc/self/cgroup shows uk's hierarchy, not the host path. The subtree
# is gone when the run ends, within 5 s after SIGKILL of the supervisor, and within 10 s
# after SIGKILL of the outer uk-run (its cleanup helper).
# SKIP where the host has no cpu controller uk-run may use (not root, no delegation).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
if ! probe=$("$UKRUN" --cpu-enforcement=host-cgroup -- true 2>&1); then
  echo "SKIP: no host cgroup with cpu for uk-run here: $probe"
  exit 0
fi
trap 'rc=$?; kill_runs; on_exit $rc' EXIT
own_cpu=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' /proc/self/cgroup)

c=$TMP/cpu
"$UKRUN" -- bash -c '
set -e
c='"$c"' t='"$TMP"'
mkdir -p $c
mount -t container -o cpu,cpuacct cpu $c
mkdir $c/System $c/Guests $c/Guests/A $c/Guests/B
echo 100 > $c/System/shares
echo 9216 > $c/Guests/shares
echo 2048 > $c/Guests/A/shares
sh -c "echo \$\$ > $c/System/tasks; exec sleep 60" & s=$!
sh -c "echo \$\$ > $c/Guests/A/tasks; exec sleep 60" & a=$!
# Two threads: the main one goes to B, the other to A.
python3 -c "
import os, threading, time
def worker():
    open(\"$t/py.tmp\", \"w\").write(\"%d %d\\n\" % (os.getpid(), threading.get_native_id()))
    os.rename(\"$t/py.tmp\", \"$t/py\")
    time.sleep(60)
threading.Thread(target=worker, daemon=True).start()
time.sleep(60)
" & p=$!
while [ ! -e $t/py ]; do sleep 0.05; done
read pid tid < $t/py
echo $pid > $c/Guests/B/tasks
echo $tid > $c/Guests/A/tasks
cat /proc/self/cgroup > $t/inside_cgroup
printf "%s\n" "System $s" "Guests/A $a" "Guests/A $tid" "Guests/B $pid" "/ $$" > $t/placed.tmp
mv $t/placed.tmp $t/placed
while [ ! -e $t/go ]; do sleep 0.05; done
echo $s > $c/tasks
rmdir $c/System
touch $t/removed
while [ ! -e $t/go2 ]; do sleep 0.05; done
kill $s $a $p
wait 2>/dev/null || true
' 2>"$TMP/err" &
outer=$!
UK_RUNS+=("$outer")
wait_file "$TMP/placed"
sub=$(one_subtree "$outer" "/sys/fs/cgroup/cpu" cpu)
echo "subtree: $sub"
expect_eq "the subtree's place" "/sys/fs/cgroup/cpu${own_cpu%/}/$(basename "$sub")" "$sub"
# Mirrored (the group mirror works on its own thread: give it a moment).
for _ in $(seq 100); do
  [[ $(ns_ids "$sub/Guests/A" | tr '\n' ' ') == "$(awk '$1 == "Guests/A" { print $2 }' \
    "$TMP/placed" | sort -n | tr '\n' ' ')" ]] && break
  sleep 0.05
done
expect_eq "directories" ". ./Guests ./Guests/A ./Guests/B ./System" \
  "$(tree_dirs "$sub")"
for g in System:100 Guests:9216 Guests/A:2048 Guests/B:1024; do
  expect_eq "cpu.shares of ${g%:*}" "${g#*:}" "$(cat "$sub/${g%:*}/cpu.shares")"
done
for g in System Guests/A Guests/B; do
  expect_eq "threads in $g" "$(awk -v g=$g '$1 == g { print $2 }' "$TMP/placed" | sort -n)" \
    "$(ns_ids "$sub/$g")"
done
expect_eq "threads in Guests (none of its own)" "" "$(ns_ids "$sub/Guests")"
top=$(awk '$1 == "/" { print $2 }' "$TMP/placed")
ns_ids "$sub" | grep -x "$top" >/dev/null || fail "COMMAND ($top) not in the subtree's top: $(ns_ids "$sub")"
# The same, per /proc/<pid>/cgroup read from outside.
for t in $(cat "$sub/Guests/A/tasks"); do
  expect_eq "/proc/$t/cgroup" "${own_cpu%/}/$(basename "$sub")/Guests/A" \
    "$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' /proc/$t/cgroup)"
done
sup=$(pgrep -P "$outer" -x uk-supervisor)
grep -rqx "$sup" "$sub" --include=tasks && fail "the supervisor ($sup) was moved"
grep -q "uk-run\." "$TMP/inside_cgroup" && fail "the host path leaks: $(cat "$TMP/inside_cgroup")"
touch "$TMP/go"
wait_file "$TMP/removed"
for _ in $(seq 100); do [[ -d $sub/System ]] || break; sleep 0.05; done
[[ -d $sub/System ]] && fail "rmdir System left its host directory"
s=$(awk '$1 == "System" { print $2 }' "$TMP/placed")
ns_ids "$sub" | grep -x "$s" >/dev/null || fail "the moved task ($s) is not in the top: $(ns_ids "$sub")"
touch "$TMP/go2"
wait "$outer" || fail "the run failed: $(cat "$TMP/err")"
expect_eq "subtree after the run" "" "$(host_subtrees "$outer")"
grep -qE "^uk-run: cpu shares enforced by a host cgroup subtree \($sub\)(; freezer.state by cgroup2's freeze \(/sys/fs/cgroup/[^)]*/$(basename "$sub")\))?$" "$TMP/err" ||
  fail "the mode is not announced: $(cat "$TMP/err")"
expect_eq "announced once" 1 "$(grep -c "cpu shares enforced" "$TMP/err")"

# SIGKILL of the supervisor: the outer uk-run removes the subtree all the same.
sigkill_removes_subtrees supervisor /sys/fs/cgroup/cpu A/B '
c='"$c"'2; mkdir -p $c; mount -t container -o cpu cpu $c; mkdir $c/A $c/A/B
sh -c "echo \$\$ > $c/A/B/tasks; while :; do :; done" &
sleep 60'
# SIGKILL of the outer uk-run itself: its cleanup helper removes the subtree.
sigkill_removes_subtrees outer /sys/fs/cgroup/cpu A '
c='"$c"'3; mkdir -p $c; mount -t container -o cpu cpu $c; mkdir $c/A
sh -c "echo \$\$ > $c/A/tasks; while :; do :; done" &
sleep 60'
expect_no_uk_mounts
echo PASS
