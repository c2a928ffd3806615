#!/bin/bash
# COMMAND's capability sets are what they would be natively: the user namespace gives its
# first process every capability, so under a caller whose bounding set lacks some (a
# container, `setpriv --bounding-set`) COMMAND used to show a full CapBnd, and as root a
# full CapEff and CapPrm after its exec. uk-run drops from COMMAND's bounding set what
# its caller's lacks. As root; a non-root caller's run is root in its namespace by design
# (README.md, "What a program can still tell").
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 0; }
caps() { "$@" grep '^Cap' /proc/self/status; }
expect_eq "capability sets" "$(caps)" "$(caps "$UKRUN" --)"
less=(setpriv --bounding-set=-sys_boot,-net_raw)
native=$(caps "${less[@]}")
echo "$native"
grep -q '^CapBnd' <<<"$native" || fail "no CapBnd line"
expect_eq "capability sets with sys_boot and net_raw dropped from the bounding set" \
  "$native" "$(caps "${less[@]}" "$UKRUN" --)"
expect_no_uk_mounts
echo PASS
