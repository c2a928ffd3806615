#!/bin/bash
# taskset inside uk-run against a cpuset (spec row 106, harness/README.md "cpuset:
# affinity"), where uk-run mirrors its cpusets into host cpusets (root, v1 cpuset):
# the same steps run natively in a child of the host's v1 cpuset hierarchy and in a
# cpuset of uk-run's, under both mount flavours, and uk-run must answer as the host:
#   A  `taskset -c 1 sh -c 'taskset -p $$'` in a cpuset of CPUs 0-1: the intersection;
#   B  the masks of a `taskset -c 1 sleep` and a plain `sleep` running in it;
#   C  both after `cpus` is narrowed to 0 (a cpus write narrows a running task);
#   P  `taskset -c 0-1 sh -c 'taskset -p $$'` in it: the intersection, at once (the host's
#      own cpuset answers: no observation in between);
#   E  `taskset -c 1 echo never` in it: EINVAL, and nothing runs;
#   F  both after it is widened to 0-1 again: today's kernel gives the pinned task its
#      request back (user_cpus_ptr); 2.6.24 gave it the whole cpuset, as to the plain one.
# SKIP without two CPUs, root or the host's v1 cpuset hierarchy.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
host=/sys/fs/cgroup/cpuset
if [[ $(id -u) != 0 || ! -f $host/cpuset.cpus ]] || ! taskset -c 0,1 true 2>/dev/null; then
  echo "SKIP: needs root, the host's v1 cpuset hierarchy and CPUs 0 and 1"
  exit 0
fi

# The steps, in cpuset directory $1 whose files carry prefix $2. Prints A, B, C, P, E, F.
cat >"$TMP/steps.sh" <<'EOF'
cs=$1 p=$2
mask() { taskset -p "$1" | sed 's/.*: //'; }
# Until `taskset -c` has set the mask and exec'd.
exec_wait() { while [[ $(cat /proc/$1/comm) != sleep ]]; do sleep 0.01; done; }
echo 0-1 >$cs/${p}cpus && echo 0 >$cs/${p}mems && echo $$ >$cs/tasks || exit 9
echo "A $(taskset -c 1 sh -c 'taskset -p $$' | sed 's/.*: //')"
taskset -c 1 sleep 60 &
pinned=$!
sleep 60 &
plain=$!
exec_wait $pinned
echo "B $(mask $pinned) $(mask $plain)"
echo 0 >$cs/${p}cpus
echo "C $(mask $pinned) $(mask $plain)"
echo "P $(taskset -c 0-1 sh -c 'taskset -p $$' | sed 's/.*: //')"
out=$(taskset -c 1 echo never 2>&1)
echo "E $? $(sed 's/pid [0-9]*/pid N/' <<<"$out")"
echo 0-1 >$cs/${p}cpus
echo "F $(mask $pinned) $(mask $plain)"
kill $pinned $plain
wait
EOF

native_dir=$host/$UK_TOKEN-taskset
mkdir "$native_dir"
native=$(bash "$TMP/steps.sh" "$native_dir" cpuset.)
rmdir "$native_dir"
echo "native (host $(uname -r)):"
echo "$native"
[[ $(wc -l <<<"$native") == 6 ]] || fail "native steps: $native"

for flavour in cgroup container; do
  prefix=$([[ $flavour == cgroup ]] && echo cpuset. || true)
  out=$("$UKRUN" --trace $TMP/cs-$flavour.trace -- bash -c '
d='"$TMP"'/cs-'$flavour'
mkdir -p $d
mount -t '$flavour' -o cpuset none $d || exit 9
mkdir $d/t
bash '"$TMP"'/steps.sh $d/t '"$prefix"'
echo $$ >$d/tasks
rmdir $d/t
umount $d')
  echo "uk-run -t $flavour:"
  echo "$out"
  if [[ $flavour == cgroup ]]; then
    expect_eq "-t cgroup: every step as the host" "$native" "$out"
  else
    # 2.6.24: the same until the widening, which gives the pinned task what the
    # plain one gets.
    plain_f=$(awk '$1 == "F" { print $3 }' <<<"$native")
    want=$(sed '$d' <<<"$native"; echo "F $plain_f $plain_f")
    expect_eq "-t container: 2.6.24's answers" "$want" "$out"
  fi
  # The masks taskset set reached the kernel as "affinity" inputs; the replay takes
  # them back and every result (the cpus reads, the widening) matches.
  grep -q '\["affinity",[0-9]*,"1"\]' $TMP/cs-$flavour.trace ||
    fail "-t $flavour: no observed mask 1 in the trace"
  if ! replayed=$("$TEST_SRCDIR/uk/harness/replay/uk-replay" --verify $TMP/cs-$flavour.trace); then
    # The trace, for the divergence's cause: kept among the test's outputs.
    cp $TMP/cs-$flavour.trace "${TEST_UNDECLARED_OUTPUTS_DIR:-$TMP}/" 2>/dev/null
    fail "-t $flavour: --verify: $replayed"
  fi
  echo "$replayed"
done
expect_no_uk_mounts
