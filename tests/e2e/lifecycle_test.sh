#!/bin/bash
# Lifecycle and options: exit status (128+N for a signal), --help, -g, --tree,
# --trace, --no-proc, a release agent that runs, kill -9 of uk-run leaving no process
# and no mount, and a non-root run.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
help=$("$UKRUN" --help)
grep -q -- "--mount TYPE:OPTIONS:DIR" <<<"$help" || fail "--help"
[[ $("$UKRUN" --version) =~ ^uk-run\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version"
set +e
"$UKRUN" -- sh -c 'exit 7'; rc=$?
expect_eq "exit status" 7 $rc
"$UKRUN" -- sh -c 'kill -TERM $$'; rc=$?
expect_eq "signal status" 143 $rc
"$UKRUN" -- /nonexistent/cmd 2>/dev/null; rc=$?
expect_eq "missing command" 127 $rc
set -e

# -g, --tree, --trace; a release agent (notify_on_release) writes a file, and how it
# was started: as the kernel starts a usermode helper (no open file, "/", umask 022, no
# signal ignored or blocked, init_task's open-file limit), whatever uk-run's caller had.
d=$TMP/g
mkdir $d
cat >$TMP/agent <<AGENT
#!/bin/sh
# The shell's fds: natively dash's script fd (10), and 0, the lowest free one, for the
# listing itself (a helper starts with no file open).
fds=
for f in /proc/\$\$/fd/*; do fds="\$fds \${f##*/}"; done
{
echo "released \$1"
echo "fds\$fds"
echo "cwd \$(pwd) umask \$(umask) nofile \$(ulimit -Sn) \$(ulimit -Hn)"
grep -E '^Sig(Blk|Ign):' /proc/\$\$/status | tr -s '\t' ' '
} >> $TMP/agent.log
AGENT
chmod +x $TMP/agent
hard=$(ulimit -Hn)
out=$(umask 077; trap '' USR1; exec 7</dev/null; "$UKRUN" --mount container:cpu,release_agent=$TMP/agent:$d -g cpu:/ --tree \
  --trace $TMP/trace.json -- bash -c '
d='"$d"'
mkdir $d/Guests $d/System
echo 1 > $d/System/notify_on_release
(echo $BASHPID > $d/System/tasks; sleep 0.1)
echo $$ > $d/Guests/tasks
cat /proc/self/container
sleep 0.3 &
wait')
echo "$out"
grep -qx "cpu:/Guests" <<<"$out" || fail "/proc/self/container after attach"
grep -q "^  /  tasks: 1(uk-run)" <<<"$out" || fail "--tree root"
grep -q "^    Guests  tasks:" <<<"$out" || fail "--tree Guests"
for ev in fork exec exit mount attach; do
  grep -q "\"event\":\"$ev\"" $TMP/trace.json || fail "--trace has no $ev"
done
for i in $(seq 50); do [[ -s $TMP/agent.log ]] && break; sleep 0.1; done
expect_eq "release agent" "released /System
fds 0 10
cwd / umask 0022 nofile 1024 $((hard < 4096 ? hard : 4096))
SigBlk: 0000000000000000
SigIgn: 0000000000000000" "$(cat $TMP/agent.log)"

# A trace file that cannot be written is bad input: refused before COMMAND runs (before:
# no error, exit 0 and no trace). An existing one is truncated, as a shell's > would.
out=$("$UKRUN" --trace $TMP/missing/trace.json -- touch $TMP/ran 2>&1) && fail "--trace to a missing dir: exit 0"
expect_eq "--trace to a missing dir" "uk-run: --trace $TMP/missing/trace.json: No such file or directory
(try uk-run --help)" "$out"
[[ ! -e $TMP/ran ]] || fail "--trace to a missing dir: COMMAND ran"
out=$("$UKRUN" --trace= -- touch $TMP/ran 2>&1) && fail "--trace= (empty): exit 0"
[[ ! -e $TMP/ran ]] || fail "--trace= (empty): COMMAND ran"
echo "an earlier line" >$TMP/old.trace
"$UKRUN" --trace $TMP/old.trace -- true
! grep -q "an earlier line" $TMP/old.trace || fail "--trace kept an earlier line"
grep -q '"kind":"exit"' $TMP/old.trace || fail "--trace of true has no exit"

# --no-proc: /proc/self/container is the host's (absent), nothing trapped.
out=$("$UKRUN" --no-proc -- sh -c 'cat /proc/self/container 2>&1 || echo absent')
grep -q absent <<<"$out" || fail "--no-proc still emulates"

# kill -9 of uk-run: every traced process dies, nothing stays mounted.
mkdir $TMP/k
"$UKRUN" --mount container:cpuacct:$TMP/k -- bash -c \
  "sleep 60 & sleep 60 & echo \$\$ > $TMP/k/tasks; touch $TMP/ready; wait" &
ukrun=$!
for i in $(seq 100); do [[ -e $TMP/ready ]] && break; sleep 0.05; done
[[ -e $TMP/ready ]] || fail "kill test did not start"
sid=$(awk '{print $6}' /proc/$ukrun/stat)
kill -9 $ukrun
wait $ukrun 2>/dev/null || true
for i in $(seq 50); do pgrep -s "$sid" >/dev/null || break; sleep 0.05; done
! pgrep -s "$sid" -f "sleep 60" >/dev/null || fail "a traced process survived uk-run"
expect_no_uk_mounts

# A non-root run (user namespace); the FUSE part needs /dev/fuse for that user.
if command -v setpriv >/dev/null && [[ $(id -u) == 0 ]]; then
  nr="setpriv --reuid=65534 --regid=65534 --clear-groups"
  if $nr true 2>/dev/null && $nr test -x "$UKRUN"; then
    out=$($nr "$UKRUN" -- sh -c 'echo uid=$(id -u); echo $$; exit 3') && rc=0 || rc=$?
    echo "$out"
    expect_eq "non-root status" 3 $rc
    grep -qx "uid=0" <<<"$out" || fail "non-root: not root in the user namespace"
    if $nr test -w /dev/fuse; then
      mkdir $TMP/nr && chmod 777 $TMP/nr
      out=$($nr "$UKRUN" -- sh -c "mount -t container -o cpuacct x $TMP/nr && mkdir $TMP/nr/a &&
        echo \$\$ > $TMP/nr/a/tasks && cat /proc/self/container")
      grep -qx "cpuacct:/a" <<<"$out" || fail "non-root mount"
    else
      # nonroot_fuse_test covers it with a private /dev/fuse.
      echo "SKIP non-root FUSE part: /dev/fuse is not writable for uid 65534"
    fi
  else
    echo "SKIP non-root part: uid 65534 cannot run uk-run from here"
  fi
else
  echo "SKIP non-root part: no setpriv or not root"
fi
expect_no_uk_mounts
