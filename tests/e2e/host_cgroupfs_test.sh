#!/bin/bash
# The host's cgroupfs is out of reach from inside uk-run (harness/README.md, "Processes
# and namespaces"):
# (1) the new mount API and the mount table by syscall (statmount, listmount) get ENOSYS
#     under uk-run, which they do not natively;
# (2) as root, uk-run's tree is in a user namespace of its own that maps every id to
#     itself (chown to another uid and setuid work), and a cgroup mount that bypasses
#     uk's trap (made by a process nsenter'd into uk-run's user and mount namespaces,
#     so not under the filter) is refused by the host kernel, and a cgroup namespace,
#     with which such a mount would work, cannot be made (EPERM, unlike natively);
#     --no-userns keeps the host's user namespace;
# (3) /sys/fs/cgroup inside is uk-run's empty tmpfs: the host's tasks files are not
#     there, it cannot be unmounted or moved away, and both mount tables show it alone.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
MOUNT_API="$HELPERS/mount_api"
calls="fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr open_tree_attr
statmount listmount"

# (1) Natively fsopen exists (Linux 5.2+), so the ENOSYS inside is the filter's.
native=$("$MOUNT_API")
echo "native: $(tr '\n' ' ' <<<"$native")"
if [[ "$(sed -n 's/^fsopen=//p' <<<"$native")" == ENOSYS ]]; then
  echo "SKIP mount-API part: this kernel has no fsopen; the ENOSYS under uk-run proves nothing"
else
  expected=$(for c in $calls; do echo "$c=ENOSYS"; done)
  expect_eq "the mount API under uk-run" "$expected" "$("$UKRUN" -- "$MOUNT_API")"
fi

# (3) The tmpfs. Its options show the owner when it is not the host's root.
opts="mode=755"
[[ $(id -u) == 0 ]] || opts="$opts,uid=$(id -u),gid=$(id -g)"
out=$("$UKRUN" -- bash -c '
echo "ls=[$(ls -A /sys/fs/cgroup)]"
(echo $$ >/sys/fs/cgroup/cpuset/tasks) 2>&1 | sed "s/^.*: //"
umount /sys/fs/cgroup 2>/dev/null && echo umount=done || echo umount=refused
mkdir /tmp/uk-moved.$$ && { mount --move /sys/fs/cgroup /tmp/uk-moved.$$ 2>/dev/null &&
  echo move=done || echo move=refused; rmdir /tmp/uk-moved.$$; }
grep cgroup /proc/self/mountinfo | cut -d" " -f5-
grep cgroup /proc/mounts
') || fail "uk-run: $out"
echo "$out"
expect_eq "tmpfs inside" "ls=[]
No such file or directory
umount=refused
move=refused
/sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs uk-run rw,$opts
uk-run /sys/fs/cgroup tmpfs rw,nosuid,nodev,noexec,relatime,$opts 0 0" "$out"

# (2) Root's user namespace.
if [[ $(id -u) != 0 ]]; then
  echo "SKIP root part: needs root"
  expect_no_uk_mounts
  exit 0
fi
mkdir -m 755 "$TMP/raw"
touch "$TMP/owned"
out=$("$UKRUN" -- bash -c "
readlink /proc/self/ns/user
cat /proc/self/uid_map /proc/self/gid_map | tr -s ' ' | sed 's/^ //'
chown 1234:4321 $TMP/owned && echo chown=done
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'id -u; id -g'
unshare -C true 2>&1 | sed 's/^.*: //'
") || fail "uk-run: $out"
echo "$out"
host_userns=$(readlink /proc/self/ns/user)
inside_userns=$(head -1 <<<"$out")
[[ "$inside_userns" == user:* && "$inside_userns" != "$host_userns" ]] ||
  fail "not in a user namespace of its own: inside $inside_userns, host $host_userns"
expect_eq "maps, chown, setuid" "0 0 4294967295
0 0 4294967295
chown=done
65534
65534
Operation not permitted" "$(tail -n +2 <<<"$out")"
unshare -C true || fail "natively, root cannot make a cgroup namespace: the EPERM proves nothing"
expect_eq "owner on the host" 1234:4321 "$(stat -c %u:%g "$TMP/owned")"
# --no-userns, for what needs the host's capabilities: the host's user namespace, and
# uk-run's tmpfs (then unlocked) all the same.
expect_eq "--no-userns" "$host_userns ls=[]" \
  "$("$UKRUN" --no-userns -- sh -c 'echo "$(readlink /proc/self/ns/user) ls=[$(ls -A /sys/fs/cgroup)]"')"

# A mount that bypasses uk: nsenter'd into the supervisor's user and mount namespaces
# (root there, not under the filter). cgroup v1 wants CAP_SYS_ADMIN over the cgroup
# namespace's owner, the host's user namespace: EPERM, for a controller and a name=.
# (In a cgroup namespace of that user namespace's the cpuset mount would work, hence
# the EPERM above.)
if ! command -v nsenter >/dev/null; then
  echo "SKIP bypass part: nsenter is missing (util-linux)"
  expect_no_uk_mounts
  exit 0
fi
timeout 30 "$UKRUN" -- sleep 20 &
runner=$!
sup=$(supervisor_of $runner)
[[ -n "$sup" ]] || fail "no supervisor"
# The helper joins the run's pid namespace too (-p): that mount namespace's /proc is the
# run's, and a process it does not list cannot read /proc/self (an ASan build's
# LeakSanitizer then aborts at exit).
out=$(nsenter -t "$sup" -U -m -p -- "$MOUNT_API" mount "$TMP/raw" cpuset &&
  nsenter -t "$sup" -U -m -p -- "$MOUNT_API" mount "$TMP/raw" none,name=ukbypass) || fail "$out"
# The control: the same cpuset mount with the host root's own credentials, in uk-run's
# mount namespace only (where it vanishes; mount_api unmounts it at once), works. Only
# where the host has a v1 cpuset hierarchy, which it then mounts again: nothing is made.
if grep -qE '^[^ ]+ [^ ]+ cgroup [^ ]*cpuset' /proc/self/mounts; then
  control=$(nsenter -t "$sup" -m -p -- "$MOUNT_API" mount "$TMP/raw" cpuset) || fail "$control"
  expect_eq "the control: host root's cpuset mount" "mount=ok" "$control"
else
  echo "SKIP control part: no host cgroup v1 cpuset hierarchy for the control mount"
fi
kill $runner
wait $runner || true
expect_eq "cgroup mounts past uk" "mount=EPERM
mount=EPERM" "$out"
expect_no_uk_mounts
