#!/bin/bash
# The stops uk-run makes itself are not passed on to its caller: with
# --cpu-enforcement=signals, COMMAND (a Python program with a SIGCONT handler, in a
# container with shares 100 against two burners with 900, all on CPU 0) is stopped and
# continued by the duty cycle, and the parent's waitpid(WUNTRACED) of uk-run must see no
# stop (job_control_test: a stop COMMAND makes itself is passed on). The SIGCONTs the
# program counts show that the enforcer did stop it.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
c=$TMP/held
script='
set -e
c='"$c"'
source '"$HELPERS/contend.sh"' $c
echo $$ > $c/cpu/A/tasks
exec python3 -c "
import os, signal, time
n = 0
def on_cont(sig, frame):
    global n
    n += 1
signal.signal(signal.SIGCONT, on_cont)
end = time.monotonic() + 2
while time.monotonic() < end:
    pass
print(\"sigcont=%d\" % n, flush=True)
"'
out=$(python3 - "$UKRUN" "$script" <<'PY'
import os, signal, subprocess, sys, time
signal.alarm(60)
p = subprocess.Popen([sys.argv[1], "--cpu-enforcement=signals", "--", "bash", "-c", sys.argv[2]],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
stops = 0
while True:
    got, status = os.waitpid(p.pid, os.WUNTRACED)
    if os.WIFSTOPPED(status):
        stops += 1
        os.kill(p.pid, signal.SIGCONT)
        continue
    break
print("uk-run stops=%d %s" % (stops, p.stdout.read().strip()))
PY
)
echo "$out"
[[ $out =~ ^uk-run\ stops=0\ sigcont=[1-9] ]] || fail "want no stop of uk-run and at least one SIGCONT: $out"
expect_no_uk_mounts
echo PASS
