#!/bin/bash
# CPU shares on real processes under uk-run: the article's System / Guests-A /
# Guests-B split on one CPU, checked loosely (within 10 points over 2 s; the 10 s,
# 3-point measurement is //harness:cpu_share_bench), and Guests using the CPU once
# System is idle. Exclusive: other tests' load would skew the measurement.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
out=$(UKRUN=$UKRUN "$TEST_SRCDIR/uk/harness/cpu_share_demo.sh" --seconds 2 --idle-seconds 1 \
  --check 10) || fail "split off by more than 10 points: $out"
echo "$out"
grep -q "enforced by uk-run" <<<"$out" || fail "not enforced: $out"
expect_no_uk_mounts
echo PASS
