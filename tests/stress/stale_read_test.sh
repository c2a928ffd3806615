#!/bin/bash
# No stale read through the FUSE shim (tests/stress/stale_read.c): readers with fresh
# opens and long-held fds against forks, exits and moves, and a control-file reader
# against its writer, under uk-run --check, on each transport the host allows
# (/dev/fuse; FUSE over io_uring as root, with the fuse module's enable_uring on for
# that run only and restored at exit). Usage: stale_read_test.sh [SECONDS] (default 4;
# the 60 s run: bazel test //tests/stress:stale_read_60s_test, not in CI).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
seconds=${1:-4}
prog="$TEST_SRCDIR/uk/tests/stress/stale_read"
param=/sys/module/fuse/parameters/enable_uring
transports=(devfuse)
if [[ $(id -u) == 0 && -w $param ]]; then
  old=$(cat $param)
  trap 'rc=$?; echo "$old" >$param; on_exit $rc' EXIT
  transports+=(ring)
else
  echo "SKIP io_uring part: needs root and $param"
fi
for tr in "${transports[@]}"; do
  if [[ -w $param ]]; then
    if [[ $tr == ring ]]; then echo Y >$param; else echo N >$param; fi
  fi
  d=$TMP/$tr
  mkdir $d
  rc=0
  out=$("$UKRUN" --check --verbose --mount container:cpuacct:$d -- "$prog" $d $seconds 2 2>&1) ||
    rc=$?
  [[ -w $param ]] && echo "$old" >$param
  echo "$tr: $out" | grep -v '^ *$' | tail -12
  if [[ $tr == ring ]] && ! grep -q "FUSE at $d: io_uring" <<<"$out"; then
    echo "SKIP io_uring part: $(grep "FUSE at" <<<"$out")"
    continue
  fi
  expect_eq "$tr: uk-run status" 0 $rc
  grep -q '^checks=[1-9][0-9]* stale=0$' <<<"$out" || fail "$tr: stale reads"
  grep -q -- "--check" <<<"$out" && fail "$tr: uk-run --check found a violation"
done
expect_no_uk_mounts
echo "stale_read_test: ok"
