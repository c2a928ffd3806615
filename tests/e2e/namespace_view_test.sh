#!/bin/bash
# What a program reads of the namespaces uk-run made is what it would read natively:
# the user namespace maps (/proc/self/{uid,gid,projid}_map, setgroups) when root starts
# the run (every id mapped to itself), a non-root run's project ids too (its uids and
# gids map that user alone, by design: README.md, "What a program can still tell"), and
# the pid namespace's pid_max and the user namespace's limits (/proc/sys/user), root's
# run or not. Before, projid_map was empty under uk-run (no project id mapped), pid_max
# said 4194304 (a new pid namespace's since Linux 6.14) where the caller's was 32768,
# and every user/max_* said 2147483647 (max_inotify_watches where the caller had 192540,
# which still bounds the run: what a namespace creates counts against its parents').
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
maps() {
  "$@" sh -c 'for f in uid_map gid_map projid_map setgroups; do echo "$f: $(cat /proc/self/$f)"; done
echo "pid_max: $(cat /proc/sys/kernel/pid_max)"
for f in /proc/sys/user/*; do echo "$f: $(cat $f)"; done'
}
native=$(maps)
echo "$native"
grep -q "^projid_map: .*[0-9]" <<<"$native" || fail "no projid_map natively"
if [[ $(id -u) == 0 ]]; then
  expect_eq "the maps under uk-run" "$native" "$(maps "$UKRUN" --)"
fi
if nonroot_setup; then
  shared="^projid_map\|^pid_max\|^/proc/sys/user/"
  expect_eq "a non-root run's projid_map, pid_max and user limits" \
    "$(grep "$shared" <<<"$native")" "$(maps as_nobody "$NR_UKRUN" -- | grep "$shared")"
else
  echo "SKIP PART: no setpriv for the non-root run"
fi
expect_no_uk_mounts
echo PASS
