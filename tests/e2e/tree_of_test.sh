#!/bin/bash
# uk-run --tree-of PID: the --tree view of a uk-run that is still running, asked from
# outside it by the outer uk-run's pid or by the host pid of a process in its tree;
# errors (no such process, not a uk-run, not a pid); a run that goes on after COMMAND
# and its outer uk-run; and, for a non-root uk-run, who may ask (its user and root; not
# another user).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/h
"$UKRUN" --mount container:cpu,cpuacct:$d -- bash -c '
d='"$d"'
mkdir $d/Guests $d/Guests/A $d/System
sleep 300 & echo $! > $d/Guests/A/tasks
echo $! > '"$TMP"'/sleep.pid
: > '"$TMP"'/ready  # a builtin: no process left to list
wait' &
ukrun=$!
for i in $(seq 100); do [[ -e $TMP/ready ]] && break; sleep 0.05; done
[[ -e $TMP/ready ]] || fail "uk-run did not start"
sleep_ns_pid=$(cat $TMP/sleep.pid)

out=$("$UKRUN" --tree-of $ukrun)
echo "$out"
expect_eq "heading" "$d (container -o cpu,cpuacct)" "$(head -1 <<<"$out")"
grep -q "^  /  tasks: 1(uk-run) [0-9]*(bash)$" <<<"$out" || fail "root container"
grep -qx "    Guests  tasks:" <<<"$out" || fail "Guests"
grep -qx "      A  tasks: $sleep_ns_pid(sleep)" <<<"$out" || fail "the sleep in Guests/A"
grep -qx "    System  tasks:" <<<"$out" || fail "System"

# The host pid of the sleep (outer uk-run -> supervisor -> bash -> sleep) names the
# same uk-run.
supervisor=$(pgrep -P $ukrun)
bash_pid=$(pgrep -P $supervisor)
sleep_host_pid=$(pgrep -P $bash_pid -x sleep)
expect_eq "by a pid inside" "$out" "$("$UKRUN" --tree-of $sleep_host_pid)"

# Errors: exit status 1 and a message for no process or no uk-run; 2 for junk.
set +e
err=$("$UKRUN" --tree-of $$ 2>&1); rc=$?
expect_eq "not a uk-run: status" 1 $rc
expect_eq "not a uk-run: message" \
  "uk-run: --tree-of $$: not a running uk-run nor a process of one" "$err"
err=$("$UKRUN" --tree-of 2147483647 2>&1); rc=$?
expect_eq "no such process: status" 1 $rc
expect_eq "no such process: message" "uk-run: --tree-of 2147483647: no such process" "$err"
"$UKRUN" --tree-of 12x 2>/dev/null; rc=$?
expect_eq "junk pid" 2 $rc
set -e

kill $ukrun
wait $ukrun 2>/dev/null || true
set +e
err=$("$UKRUN" --tree-of $ukrun 2>&1); rc=$?
set -e
expect_eq "after exit: status" 1 $rc
grep -q "no such process" <<<"$err" || fail "after exit: $err"
# The sleep outlives bash and the outer uk-run, as it would natively (harness/README.md,
# "What COMMAND leaves running goes on"): the run goes on, and the sleep's host pid
# still names it, through its supervisor.
out=$("$UKRUN" --tree-of $sleep_host_pid)
echo "$out"
grep -qx "  /  tasks: 1(uk-run)" <<<"$out" || fail "the root container after bash's end"
grep -qx "      A  tasks: $sleep_ns_pid(sleep)" <<<"$out" || fail "the sleep after bash's end"
kill $sleep_host_pid

# A non-root uk-run answers its own user and root, and refuses another user.
if nonroot_setup; then
  mkdir -m 755 $NR_DIR/h $NR_DIR/flags && chown 65534:65534 $NR_DIR/h $NR_DIR/flags
  as_nobody "$NR_UKRUN" -- sh -c "mount --bind $NR_FUSE /dev/fuse &&
    mount -t container -o cpuacct x $NR_DIR/h && mkdir $NR_DIR/h/mine || exit 1
    sleep 300 & echo \$! > $NR_DIR/h/mine/tasks; : > $NR_DIR/flags/ready; wait" &
  sub=$!  # the subshell running as_nobody: uk-run is its child
  for i in $(seq 100); do [[ -e $NR_DIR/flags/ready ]] && break; sleep 0.05; done
  [[ -e $NR_DIR/flags/ready ]] || fail "non-root uk-run did not start"
  nr=$(pgrep -P $sub -x uk-run)
  set +e
  out=$(as_nobody "$NR_UKRUN" --tree-of $nr 2>&1); rc=$?
  echo "$out"
  expect_eq "same user: status" 0 $rc
  grep -q "^    mine  tasks: [0-9]*(sleep)$" <<<"$out" || fail "same user: the tree"
  expect_eq "root" "$out" "$("$UKRUN" --tree-of $nr 2>&1)"
  out=$(setpriv --reuid=65533 --regid=65533 --clear-groups "$NR_UKRUN" --tree-of $nr 2>&1); rc=$?
  expect_eq "other user: status" 1 $rc
  expect_eq "other user: message" \
    "uk-run: --tree-of $nr: uk-run $nr: permission denied (not uk-run's user)" "$out"
  set -e
  kill $nr
  wait $sub 2>/dev/null || true
else
  echo "SKIP non-root part: needs root and setpriv"
fi
expect_no_uk_mounts
