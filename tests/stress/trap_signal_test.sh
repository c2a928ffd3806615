#!/bin/bash
# A signal barrage during trapped execs and exits (harness/README.md, "Known gaps"):
# with an SA_RESTART handler an interrupted trap restarts the call, so under uk-run, as
# natively, no exec and no exit may fail. (Without SA_RESTART the window between the
# trap and the supervisor's receive fails a few calls in a thousand: printed, not
# asserted, since only the kernel could close it.)
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
BIN="$TEST_SRCDIR/uk/tests/stress"
for call in exec exit; do
  native=$("$BIN/trap_signal" $call 300 restart)
  expect_eq "native $call failures" "300 0" "$native"
  out=$(timeout -s KILL 120 "$UKRUN" -- "$BIN/trap_signal" $call 1000 restart)
  expect_eq "uk-run $call failures (SA_RESTART)" "1000 0" "$out"
  echo "without SA_RESTART, $call: $(timeout -s KILL 120 "$UKRUN" -- "$BIN/trap_signal" $call 1000) (runs, failed)"
done
expect_no_uk_mounts
echo "trap_signal_test: ok"
