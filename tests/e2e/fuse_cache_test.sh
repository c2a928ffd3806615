#!/bin/bash
# The host caches names looked up through uk-run's FUSE mounts for 1 s (fuse_bridge.cc,
# kEntryTimeoutSeconds). A name can go stale only through another mount of the same
# hierarchy; through that other mount, right away (well within the 1 s), a removed or
# renamed directory must be gone, a recreated one must be the new one, and the
# caller's permissions still apply.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
a=$TMP/a
b=$TMP/b
mkdir $a $b
out=$("$UKRUN" -- bash -c "
set -u
mount -t container -o cpuacct none $a
mount -t container -o cpuacct none $b
mkdir $a/x
# Through b: looked up (and cached) before each change made through a.
test -d $b/x && echo b_sees_x
cat $b/x/tasks >/dev/null && echo b_reads_x
rmdir $a/x
test -e $b/x || echo b_x_gone
cat $b/x/tasks 2>&1 | grep -q 'No such file' && echo b_x_enoent
mkdir $a/x
echo \$\$ > $a/x/tasks
grep -qx \$\$ $b/x/tasks && echo b_x_is_new
mv $a/x $a/y
test -e $b/x || echo b_x_renamed_away
grep -qx \$\$ $b/y/tasks && echo b_y_lists_shell
echo \$\$ > $b/tasks
chmod 700 $a/y
setpriv --reuid=65534 --regid=65534 --clear-groups cat $b/y/tasks 2>&1 | grep -q 'Permission denied' && echo b_y_denied
rmdir $a/y
umount $b
umount $a
")
echo "$out"
for want in b_sees_x b_reads_x b_x_gone b_x_enoent b_x_is_new b_x_renamed_away b_y_lists_shell b_y_denied; do
  grep -qx $want <<<"$out" || fail "missing: $want"
done
expect_no_uk_mounts
echo "fuse_cache_test: ok"
