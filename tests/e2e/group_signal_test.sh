#!/bin/bash
# A signal a caller sends to the process group it shares with its child (a script's
# `kill 0`, a test runner's kill of its group on a timeout, systemctl kill) reaches
# COMMAND once under uk-run, as it does natively: COMMAND gets it as a member of the
# group, and the copy the outer uk-run forwards is dropped, because the supervisor got
# one too. Before, COMMAND counted 2. One sent to uk-run alone, by pid or by name (the
# supervisor is named uk-supervisor), is forwarded once; a caller that waits for any
# child of its group (waitpid(0)) sees uk-run stop as COMMAND did, and end. So are the
# other signals a program catches (SIGUSR1, SIGQUIT, a real-time one...): before, one
# sent to uk-run alone killed the run, and COMMAND never got it.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
here="$TEST_SRCDIR/uk/tests/e2e"
native=$(python3 "$here/group_signal.py")
inside=$(python3 "$here/group_signal.py" "$UKRUN" --)
echo "native: $native"
echo "under uk-run: $inside"
expect_eq "native counts" "group 1 alone 1 byname 1 others USR1 1/1 USR2 1/1 QUIT 1/1 \
WINCH 1/1 PIPE 1/1 ALRM 1/1 RTMIN+2 1/1 wait0 True 19 continued True 0" "$(echo $native)"
expect_eq "the same under uk-run" "$native" "$inside"
expect_no_uk_mounts
echo PASS
