#!/bin/bash
# poll(2) on an open /proc/self/mountinfo or mounts reports a mount and an umount as
# natively: POLLERR | POLLPRI once per change, a poll waiting for POLLPRI woken by the
# change; /proc/self/cgroup polls as a file without a poll operation. The table read
# again from offset 0 on the same fd shows the change, as natively. The native run is
# in a mount namespace of its own (unshare -rm), as uk-run's is. Before, the emulated
# tables never reported a change, and a program waiting for one waited forever; and a
# table read again showed what it was at the open.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
probe="$HELPERS/mount_poll.py"
mkdir $TMP/m
native=$(unshare -rm python3 "$probe" $TMP/m)
echo "natively:"
echo "$native"
grep -q "waited \[(True, 10)\]" <<<"$native" || fail "natively, no change was reported"
grep -q "listed after the mount True" <<<"$native" || fail "natively, the mount was not listed"
expect_eq "poll on the mount tables under uk-run" "$native" \
  "$(timeout -s KILL 60 "$UKRUN" -- python3 "$probe" $TMP/m)"
expect_no_uk_mounts
echo PASS
