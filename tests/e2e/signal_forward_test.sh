#!/bin/bash
# Signals for COMMAND arrive once, as natively: a ^C on the terminal (SIGINT to the
# foreground process group, which COMMAND shares with uk-run) is not forwarded as well,
# and a SIGTERM to uk-run reaches COMMAND once. Before, the ^C arrived three times
# (directly, forwarded by the outer uk-run, and again by the supervisor).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
count="$TEST_SRCDIR/uk/tests/e2e/signal_count.py"
native=$(python3 "$count")
inside=$(python3 "$count" "$UKRUN" --)
echo "native: $native; under uk-run: $inside"
expect_eq "natively" "SIGINT 1 SIGTERM 1" "$native"
expect_eq "under uk-run" "$native" "$inside"
expect_no_uk_mounts
echo PASS
