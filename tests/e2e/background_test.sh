#!/bin/bash
# What COMMAND leaves running in the background goes on after COMMAND, and uk-run, have
# exited, as natively: a job started with `&` outlives the shell that started it.
# Before, the run ended with COMMAND, and its pid namespace killed the job.
# `--end-with-command` keeps that ending, as a choice. A caller that reads COMMAND's
# output to EOF (`$(...)`) is not held up by uk-run's supervisor, which stays until the
# job has ended, and sees COMMAND's end as natively, its death by a signal included;
# --tree shows COMMAND's end. The job is still served by uk (it makes a container and reads
# /proc/self/container after COMMAND's end), and the run's host subtrees are removed
# once the job has ended.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
fifo="$TMP/fifo"
mkfifo "$fifo"
mkdir "$TMP/uk"

# The job waits for a line on the fifo, then, if a hierarchy is mounted at $TMP/uk,
# makes a container (served by FUSE) and reads /proc/self/container (a trapped open),
# and writes what it read to $TMP/out.
job="(read -r x < '$fifo'; [ -e '$TMP/uk/tasks' ] && mkdir '$TMP/uk/late' && x=\"\$x late\" "
job+="&& grep -qx cpu:/ /proc/self/container && x=\"\$x proc\"; "
job+="echo \"got \$x\" > '$TMP/out') >/dev/null 2>&1 & echo started"

# ping TRIES: writes a line to the fifo once a reader has it open, trying every 50 ms
# (the job opens it some time after COMMAND printed "started"); prints whether one did.
ping() {
  python3 "$HELPERS/fifo_ping.py" "$fifo" "$1"
}

# what_happens TRIES CMD...: COMMAND's output and status as the caller sees them (the
# timeout stops a caller held up until the job ends, which would wait for the ping),
# then the job's fate. TRIES: how long ping looks for the job (1: it must be gone).
# COMMAND is sh -c "$script".
script=$job
what_happens() {
  local tries=$1 out rc=0 p
  shift
  rm -f "$TMP/out"
  out=$(timeout 20 "$@" sh -c "$script") || rc=$?
  echo "output [$out] status $rc"
  p=$(ping "$tries")
  echo "$p"
  if [[ $p == "a reader got ping" ]]; then
    for _ in $(seq 200); do [[ -s $TMP/out ]] && break; sleep 0.05; done
  fi
  cat "$TMP/out" 2>/dev/null || echo "no job output"
}

# as_natively CASE EXPECTED: the native run shows EXPECTED, and uk-run the same.
as_natively() {
  local native
  native=$(what_happens 200)
  echo "$native"
  expect_eq "native run$1" "$2" "$native"
  expect_eq "under uk-run$1" "$native" "$(what_happens 200 "$UKRUN" --)"
}

as_natively "" "output [started] status 0
a reader got ping
got ping"
expect_eq "under uk-run, the job makes a container after COMMAND's end" \
  "output [started] status 0
a reader got ping
got ping late proc" "$(what_happens 200 "$UKRUN" --mount "container:cpu:$TMP/uk" --)"
expect_eq "under uk-run --end-with-command" "output [started] status 0
no reader
no job output" "$(what_happens 1 "$UKRUN" --end-with-command --)"

# COMMAND killed by a signal after starting the job: the caller sees that death, and
# the job goes on.
script="$job; kill -TERM \$\$"
as_natively ", COMMAND killed" "output [started] status 143
a reader got ping
got ping"

# --tree describes COMMAND's end, the job included (in the container it moved to
# before COMMAND ended).
tree=$(timeout 20 "$UKRUN" --tree --mount "container:cpu:$TMP/uk" -- sh -c "
  mkdir $TMP/uk/j || exit 1
  (sh -c 'echo \$\$ > $TMP/uk/j/tasks; read -r x < $fifo') >/dev/null 2>&1 &
  until grep -q . $TMP/uk/j/tasks; do sleep 0.01; done")
echo "$tree"
grep -Eq "^    j  tasks: [0-9]+[(]sh[)]$" <<<"$tree" || fail "the job in j in --tree"
expect_eq "the job after --tree" "a reader got ping" "$(ping 200)"

# The host subtrees (root, a host cpu hierarchy): kept while the job runs, gone once it
# has ended.
"$UKRUN" -- sh -c "$job" >/dev/null &
outer=$!
wait "$outer"
if [[ -n "$(host_subtrees "$outer")" ]]; then
  echo "while the job runs: $(host_subtrees "$outer" | wc -l) subtrees"
  expect_eq "the job" "a reader got ping" "$(ping 200)"
  for _ in $(seq 200); do [[ -n "$(host_subtrees "$outer")" ]] || break; sleep 0.05; done
  expect_eq "host subtrees 10 s after the job's end" "" "$(host_subtrees "$outer")"
else
  echo "no host subtrees (not root, or no host cgroup for the run): not checked"
  ping 200 >/dev/null
fi
expect_no_uk_mounts
echo PASS
