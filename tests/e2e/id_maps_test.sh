#!/bin/bash
# The user namespace maps a program reads (/proc/self/{uid,gid,projid}_map, setgroups)
# are what it would read natively when root starts the run (every id mapped to itself),
# and a non-root run's project ids map as natively too (its uids and gids map that user
# alone, by design: README.md, "What a program can still tell"). Before, projid_map was
# empty under uk-run: no project id mapped.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
maps() { "$@" sh -c 'for f in uid_map gid_map projid_map setgroups; do echo "$f: $(cat /proc/self/$f)"; done'; }
native=$(maps)
echo "$native"
grep -q "^projid_map: .*[0-9]" <<<"$native" || fail "no projid_map natively"
if [[ $(id -u) == 0 ]]; then
  expect_eq "the maps under uk-run" "$native" "$(maps "$UKRUN" --)"
fi
if nonroot_setup; then
  expect_eq "a non-root run's projid_map" "$(grep ^projid_map <<<"$native")" \
    "$(maps as_nobody "$NR_UKRUN" -- | grep ^projid_map)"
else
  echo "SKIP PART: no setpriv for the non-root run"
fi
expect_no_uk_mounts
echo PASS
