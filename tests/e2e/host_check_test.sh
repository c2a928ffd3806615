#!/bin/bash
# lib.sh's exit check fails a test body that leaves a trace of its own on the host (a
# mount or a cgroup directory named with its token, a mount on a uk_fixed_path), exits
# 1 naming it whatever the body's own status, and ignores cgroups that other programs
# create or remove meanwhile. The bodies run in private mount namespaces (unshare -m),
# so their mounts never reach the host; the cgroup directories are real ones in a host
# hierarchy, removed again here.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
cg=$(awk '{ i = 7; while ($i != "-") i++ } $(i + 1) ~ /^cgroup2?$/ { print $5; exit }' \
  /proc/self/mountinfo)
if [[ $(id -u) != 0 ]] || ! unshare -m true 2>/dev/null || [[ -z "$cg" ]]; then
  echo "SKIP: needs root for unshare -m and a cgroup filesystem"
  exit 0
fi
lib="$TEST_SRCDIR/uk/tests/e2e/lib.sh"
# Cgroup directories the bodies made, removed at exit (lib.sh's check runs after).
made=$TMP/made
: >$made
remove_made() { xargs -r rmdir <"$made" 2>/dev/null || true; }
trap 'st=$?; remove_made; on_exit $st' EXIT
mkdir $TMP/fixed
# run_body BODY: BODY after sourcing lib.sh, in a private mount namespace.
run_body() { unshare -m bash -c "source '$lib'; $1"; }

set +e
out=$(run_body "true" 2>&1); rc=$?
expect_eq "nothing left: status" 0 $rc
expect_eq "nothing left: output" "" "$out"

# Another program's cgroups, made and removed while the body runs or left behind: not
# ours, whatever their number.
out=$(run_body "for i in 1 2 3; do mkdir $cg/other\$\$.\$i; done; rmdir $cg/other\$\$.1
  echo $cg/other\$\$.2 >>$made; echo $cg/other\$\$.3 >>$made" 2>&1); rc=$?
expect_eq "other cgroups: status" 0 $rc
expect_eq "other cgroups: output" "" "$out"
expect_eq "other cgroups left" 2 "$(wc -l <$made)"

out=$(run_body "mkdir $cg/\${UK_TOKEN}.probe; echo $cg/\${UK_TOKEN}.probe >>$made" 2>&1); rc=$?
expect_eq "a cgroup of ours left: status" 1 $rc
grep -q "^FAIL: the test left traces on the host (token uktok[0-9]*x[0-9]*):$" <<<"$out" ||
  fail "no FAIL line: $out"
grep -qx "cgroup directory: $cg/uktok[0-9]*x[0-9]*\.probe" <<<"$out" ||
  fail "the cgroup directory is not named: $out"

out=$(run_body 'mkdir $TMP/m; mount -t tmpfs uk-probe $TMP/m' 2>&1); rc=$?
expect_eq "a mount of ours left: status" 1 $rc
grep -qE "^mount: .* $TEST_TMPDIR/uktok[0-9]+x[0-9]+\.[^/ ]+/m .* - tmpfs uk-probe " <<<"$out" ||
  fail "the mount is not named: $out"

# A fixed path (no token) keeps the mounts it had: one before, the body adds a second.
out=$(run_body "mount -t tmpfs before $TMP/fixed; uk_fixed_path $TMP/fixed
  mount -t tmpfs uk-probe $TMP/fixed; exit 3" 2>&1); rc=$?
expect_eq "a mount on a fixed path, body status 3: status" 1 $rc
grep -qE "^mount: .* $TMP/fixed .* - tmpfs uk-probe " <<<"$out" ||
  fail "the mount on the fixed path is not named: $out"
! grep -q " - tmpfs before " <<<"$out" || fail "the mount made before is named: $out"
out=$(run_body "mount -t tmpfs before $TMP/fixed; uk_fixed_path $TMP/fixed; exit 3" 2>&1); rc=$?
expect_eq "a fixed path unchanged, body status 3: status" 3 $rc
expect_eq "a fixed path unchanged: output" "" "$out"
set -e
