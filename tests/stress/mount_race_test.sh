#!/bin/bash
# Issue 17 §1: two loops `mount -t cgroup xxx DIR; umount DIR` on one directory and a
# third that makes and removes a group inside, for SECONDS under `uk-run --check`.
# Before the fix an umount2 let through to the host could land after the other loop's
# mount and take uk's new FUSE mount with it: uk kept the hierarchy (every subsystem
# bound), `umount DIR` said EINVAL and every later mount EBUSY. Afterwards a clean
# mount must work, nothing may stay bound, and --check (status 125 on a violation,
# which includes uk's mount table against mountinfo) must be clean.
#   mount_race_test.sh [SECONDS]   (default 5; the long run: tests/stress:mount_race_long)
: "${TEST_SRCDIR:=${RUNFILES_DIR:-$0.runfiles}}"
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
secs=${1:-5}
d=$TMP/m
mkdir $d
cat >$TMP/body.sh <<'EOF'
d=$1 secs=$2
end=$((SECONDS + secs))
churn() { while ((SECONDS < end)); do mount -t cgroup xxx $d; umount $d; done 2>/dev/null; }
churn &
churn &
while ((SECONDS < end)); do mkdir $d/g && rmdir $d/g; done 2>/dev/null &
wait
# The churn may leave one mount, never two (the same hierarchy on itself is EBUSY): an
# umount while another loop's access to the mount is in flight (a mkdir or rmdir inside,
# mount(8) looking at the directory: FUSE requests, slower under TSan) fails EBUSY, as
# the host's umount of its own cgroup mount does, and the other loop may be done by then.
# With nothing else running one umount takes it, and must.
case $(grep -c " $d cgroup " /proc/mounts) in
  0) ;;
  1) umount $d || exit 10 ;;
  *) exit 14 ;;
esac
# A group made just before an umount outlives it in the hierarchy (a v1 hierarchy
# with children stays), and the next mount of the same set shows it again.
mount -t cgroup xxx $d || exit 11
[[ ! -d $d/g ]] || rmdir $d/g || exit 12
echo "clean mount: $(grep -c " $d cgroup " /proc/mounts)"
umount $d || exit 13
echo "after umount: $(grep -c " $d " /proc/mounts)"
# /proc/cgroups: "name hierarchy num_cgroups enabled"; no subsystem may stay bound.
awk 'NR > 1 && $2 != 0 { print "bound:", $1, $2 }' /proc/cgroups
echo done
EOF
timeout -s KILL $((secs * 4 + 60)) "$UKRUN" --check -- bash $TMP/body.sh $d "$secs" >$TMP/out 2>&1 ||
  rc=$?
cat $TMP/out
[[ ${rc:-0} != 137 ]] || fail "watchdog: no progress in $((secs * 4 + 60)) s (deadlock?)"
! grep -q "uk-run: --check:" $TMP/out || fail "--check reported a violation"
expect_eq "uk-run status" 0 "${rc:-0}"
expect_eq "output" "clean mount: 1
after umount: 0
done" "$(grep -v '^uk-run: ' $TMP/out)"
expect_no_uk_mounts
echo "mount_race_test: ok"
