#!/bin/bash
# What a program sees of CPU-share enforcement (--cpu-enforcement=host-cgroup, and
# signals as the control that the load does contend): on CPU 0, a Python program with a
# SIGCONT handler in a container with shares 100 against two burners in one with 900
# gets no SIGCONT at all (signals: at least one); an interactive bash with job control
# under a pty runs such a job in the foreground to its end and never reports a job
# "Stopped" (signals: it does). SKIP where the host has no cpu controller uk-run may use.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
if ! probe=$("$UKRUN" --cpu-enforcement=host-cgroup -- true 2>&1); then
  echo "SKIP: no host cgroup with cpu for uk-run here: $probe"
  exit 0
fi

# sigconts MODE: the SIGCONTs the Python program counted over 2 s of busy looping.
sigconts() {
  local c=$TMP/$1
  "$UKRUN" --cpu-enforcement="$1" -- bash -c '
set -e
c='"$c"'
source '"$HELPERS/contend.sh"' $c
python3 -c "
import os, signal, time
n = 0
def on_cont(sig, frame):
    global n
    n += 1
signal.signal(signal.SIGCONT, on_cont)
open(\"$c/cpu/A/tasks\", \"w\").write(str(os.getpid()))
end = time.monotonic() + 2
while time.monotonic() < end:
    pass
print(\"sigcont=%d cpu_ms=%d\" % (n, sum(os.times()[:2]) * 1000))
"
kill $(jobs -p)
wait 2>/dev/null || true
' 2>/dev/null | grep sigcont=
}
host=$(sigconts host-cgroup)
signals=$(sigconts signals)
echo "host-cgroup: $host; signals: $signals"
[[ $host =~ ^sigcont=0\  ]] || fail "host-cgroup: a SIGCONT was delivered: $host"
[[ $signals =~ ^sigcont=[1-9] ]] || fail "the control (signals) saw no SIGCONT: the load does not contend: $signals"

out=$(python3 "$HELPERS/pty_job.py" "$UKRUN" host-cgroup "$TMP/pty") || fail "the job did not finish: $out"
echo "$out"
grep -q "Stopped" <<<"$out" && fail "host-cgroup: the shell reported a job Stopped"
# The control's job need not finish: once it shows Stopped the shell reads the next typed
# line, kills the burners and exits, and the kernel hangs up the job if it is still
# stopped then (an orphaned process group), as it would natively.
out=$(python3 "$HELPERS/pty_job.py" "$UKRUN" signals "$TMP/pty-signals") || true
grep "Stopped" <<<"$out" || fail "the control (signals) never showed Stopped: $out"
expect_no_uk_mounts
echo PASS
