#!/bin/bash
# uk-run --nodes 2 --cpus 0 (harness/README.md, "Presented topology"): the /sys files,
# the real affinity (nproc, taskset), uk's top cpuset under mount -t cgroup -o cpuset, a
# child with mems 1 and 0-1, today's kernel's answers (update_nodemask, update_cpumask)
# for node 2 (EINVAL: not in the top cpuset's mems, node_states[N_MEMORY]; so is a node
# that is possible without memory), CPU 1 (EINVAL: possible but offline) and CPU
# nr_cpu_ids (ERANGE: cpulist_parse), the host's own EINVAL for a real set_mempolicy to
# node 1,
# and the trace's record of the topology, which uk-replay boots with. Bad --nodes and --cpus
# values stop uk-run with status 2 before COMMAND runs.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
MEMPOLICY="$HELPERS/mempolicy_call"

# expand LIST: the numbers of a sysfs list ("0-2,5"), one per line.
expand() {
  local part
  for part in ${1//,/ }; do seq "${part%-*}" "${part#*-}"; done
}
# compress: numbers on stdin, ascending, as sysfs prints them ("0-2,5"; "" if none).
compress() {
  awk 'function out() { if (s != "") { r = r sep (s == p ? s : s "-" p); sep = "," } }
       { if (s != "" && $1 == p + 1) { p = $1; next } out(); s = p = $1 }
       END { out(); print r }'
}

sysdir=/sys/devices/system
possible=$(cat $sysdir/cpu/possible)
present=$(cat $sysdir/cpu/present)
online=$(cat $sysdir/cpu/online)
nr_cpu_ids=$(($(expand "$possible" | tail -1) + 1))
# --cpus 0 leaves every other possible CPU offline.
offline=$(expand "$possible" | grep -vx 0 | compress)
unplugged=$(expand "$possible" | grep -vx 0 | while read -r c; do
  [[ -e $sysdir/cpu/cpu$c/online ]] && echo "cpu$c/online=0"
done)

# Bad values: status 2, the reason on stderr (a regular expression, as the bound of
# --nodes is uk's MAX_NUMNODES), COMMAND never run.
bad() {
  local want=$1 rc=0
  shift
  "$UKRUN" "$@" -- touch "$TMP/ran" 2>"$TMP/err" || rc=$?
  expect_eq "uk-run $* status" 2 "$rc"
  [[ $(head -1 "$TMP/err") =~ ^$want$ ]] || fail "uk-run $*: wanted [$want], got [$(cat "$TMP/err")]"
  [[ ! -e $TMP/ran ]] || fail "uk-run $* ran COMMAND"
}
bad "uk-run: --nodes wants a number of memory nodes from 1 to [0-9]+, got 0" --nodes 0
bad "uk-run: --nodes wants a number of memory nodes from 1 to [0-9]+, got x" --nodes x
bad "uk-run: --nodes wants a number of memory nodes from 1 to [0-9]+, got 99999" --nodes=99999
bad "uk-run: --cpus wants a list of CPUs such as 0 or 0-1,3, got 0-" --cpus 0-
# The first CPU past the host's online ones, and 7 where the host has it not online.
past=$(($(expand "$online" | tail -1) + 1))
if ! expand "$online" | grep -qx 7; then
  bad "uk-run: --cpus 7: CPU 7 not online on this host \\(online: $online\\)" --cpus 7
fi
bad "uk-run: --cpus $past: CPU $past not online on this host \\(online: $online\\)" --cpus "$past"

out=$("$UKRUN" --nodes 2 --cpus 0 --cpu-enforcement=none --trace "$TMP/trace" -- bash -c '
set -u
sys=/sys/devices/system
for f in node/possible node/online node/has_memory node/has_normal_memory \
         cpu/possible cpu/present cpu/online cpu/offline; do
  echo "$f=$(cat $sys/$f)"
done
for f in $sys/cpu/cpu*/online; do
  [ "$(cat $f)" = 0 ] && echo "${f#$sys/cpu/}=0"
done
echo "nproc=$(nproc)"
taskset -p $$ | sed "s/.*: /taskset=/"
{ echo 1 > $sys/node/online; } 2>/dev/null || echo "node/online: read-only"
C='"$TMP"'/cs
mkdir $C
mount -t cgroup -o cpuset none $C || exit 9
echo "top cpus=$(cat $C/cpuset.cpus) mems=$(cat $C/cpuset.mems)"
mkdir $C/a
echo 0 > $C/a/cpuset.cpus
echo 1 > $C/a/cpuset.mems && echo "a mems=$(cat $C/a/cpuset.mems)"
echo $$ > $C/a/tasks && echo "attached with mems 1"
echo 0-1 > $C/a/cpuset.mems && echo "a mems=$(cat $C/a/cpuset.mems)"
errno() { local err; err=$( { echo "$1" > "$2"; } 2>&1) && echo ok || echo "${err##*: }"; }
echo "a mems 2: $(errno 2 $C/a/cpuset.mems), mems=$(cat $C/a/cpuset.mems)"
echo "a cpus 1: $(errno 1 $C/a/cpuset.cpus), cpus=$(cat $C/a/cpuset.cpus)"
echo "a cpus '"$nr_cpu_ids"': $(errno '"$nr_cpu_ids"' $C/a/cpuset.cpus), cpus=$(cat $C/a/cpuset.cpus)"
echo "set_mempolicy node 0: $('"$MEMPOLICY"' 0)"
echo "set_mempolicy node 1: $('"$MEMPOLICY"' 1)"
echo $$ > $C/tasks
rmdir $C/a
umount $C')
want="node/possible=0-1
node/online=0-1
node/has_memory=0-1
node/has_normal_memory=0-1
cpu/possible=$possible
cpu/present=$present
cpu/online=0
cpu/offline=$offline
${unplugged:+$unplugged
}nproc=1
taskset=1
node/online: read-only
top cpus=0 mems=0-1
a mems=1
attached with mems 1
a mems=0-1
a mems 2: Invalid argument, mems=0-1
a cpus 1: Invalid argument, cpus=0
a cpus $nr_cpu_ids: Numerical result out of range, cpus=0
set_mempolicy node 0: ok
set_mempolicy node 1: EINVAL"
expect_eq "the run's view" "$want" "$out"

# The trace records the maps the kernel booted with, the presented ones, and a replay
# boots with them: mems 1 is accepted there too, CPU 1 is EINVAL and not ERANGE.
traced=$(grep -o '\["\(cpu\|node\)_[a-z_]*",0,"[^"]*"\]\|\["\(cpus\|mems\)",0,"[^"]*"\]' "$TMP/trace")
expect_eq "traced maps" "[\"cpu_possible\",0,\"$possible\"]
[\"cpu_present\",0,\"$present\"]
[\"cpus\",0,\"0\"]
[\"node_possible\",0,\"0-1\"]
[\"node_online\",0,\"0-1\"]
[\"mems\",0,\"0-1\"]
[\"node_normal_memory\",0,\"0-1\"]" "$traced"
out=$("$TEST_SRCDIR/uk/harness/replay/uk-replay" --verify "$TMP/trace") || fail "replay: $out"
grep -Eqx "uk-replay: [0-9]+ events replayed, every result matches" <<<"$out" || fail "replay: $out"

# Without the options the run sees the host's files.
out=$("$UKRUN" --cpu-enforcement=none -- cat $sysdir/cpu/online $sysdir/node/online)
expect_eq "the host's view" "$online
$(cat $sysdir/node/online)" "$out"
expect_no_uk_mounts
