#!/bin/bash
# A command that stops is seen stopped by uk-run's caller, as natively: uk-run stops
# with the same signal (a parent's waitpid(WUNTRACED) reports it, an interactive bash
# reports the job stopped), and a SIGCONT, to uk-run alone or to its job, resumes
# COMMAND once. Before, a `kill -STOP $$` in COMMAND left its caller waiting on a uk-run
# that still ran, and the shell hung until someone sent COMMAND a SIGCONT. A SIGTSTP
# reaches COMMAND and stops uk-run only if COMMAND stops: before, a ^Z stopped uk-run
# even when COMMAND ignored it (the shell said "Stopped" while the program ran on), and
# a SIGTSTP sent to uk-run's pid stopped uk-run alone.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
cd "$TMP"
jc="$TEST_SRCDIR/uk/tests/e2e/job_control.py"
native=$(python3 "$jc")
inside=$(python3 "$jc" "$UKRUN" --)
echo "native:"; echo "$native"; echo "under uk-run:"; echo "$inside"
expect_eq "natively" "waitpid: stopped by 19; sigcont 1; exit 0
tstp handled: no stop; sigtstp 1; exit 0
tstp: stopped by 20; resumed; exit 0
ttin handled: no stop; sigttin 1; exit 0
self-tstp: stopped, resumed
ctrl-z: stopped, resumed
ctrl-z ignored: not stopped, finished
bg read handled: not stopped, exit 3" "$native"
expect_eq "under uk-run" "$native" "$inside"
expect_no_uk_mounts
echo PASS
