#!/bin/bash
# A signal barrage (handler without SA_RESTART) during execs, exits and directory opens:
# natively none of these calls ever fails, and under uk-run's default mode none is
# trapped (exits and execs are observed, harness/README.md; /proc emulation traps
# read-only opens of files only), so none may fail either: N=3000 of each (the count
# fits CI: about 1 ms per call on a quiet machine, 10 ms at a load of 15 on 2 CPUs;
# 10,000 of each were run by hand, README). --exact-exits and --rules trap them again:
# with an SA_RESTART handler an interrupted trap restarts, so nothing may fail there
# either (without it they have an EINTR window, measured by hand for --help).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
BIN="$TEST_SRCDIR/uk/tests/stress"
N=${TRAP_SIGNAL_N:-3000}
echo '*:never-exec-this cpu /' >$TMP/rules
# The native runs are the baseline (300 of each: the opendir one took 30 s at 1000).
for call in exec exit opendir; do
  expect_eq "native $call failures" "300 0" "$("$BIN/trap_signal" $call 300)"
  out=$(timeout -s KILL 600 "$UKRUN" -- "$BIN/trap_signal" $call $N)
  expect_eq "uk-run $call failures" "$N 0" "$out"
  [[ $call == opendir ]] && continue  # no mode traps directory opens
  for mode in --exact-exits "--rules $TMP/rules"; do
    out=$(timeout -s KILL 120 "$UKRUN" $mode -- "$BIN/trap_signal" $call 500 restart)
    expect_eq "uk-run $mode $call failures (SA_RESTART)" "500 0" "$out"
  done
done
expect_no_uk_mounts
echo "trap_signal_test: ok"
