#!/bin/bash
# mount(2) without CAP_SYS_ADMIN (may_mount(), fs/namespace.c path_mount): a process of a
# root uk-run that dropped to uid 65534 gets exactly what it gets natively: ENOENT for a
# missing target, then EPERM, for `container`, `cgroup` and `cgroup2` alike and for a
# remount of a uk mount; nothing is mounted. Root in the same run still mounts.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
nonroot_setup || {
  echo "SKIP: needs root and setpriv"
  exit 0
}
d=$NR_DIR/m
mkdir -m 755 "$d" "$d/c" "$d/x"
cp "$TEST_SRCDIR/uk/tests/e2e/mount_perm.py" "$NR_DIR/"
calls=(container:$d/x cgroup:$d/x cgroup2:$d/x container:$d/missing container:$d/c:remount)
native=$(as_nobody /usr/bin/python3 "$NR_DIR/mount_perm.py" "${calls[@]}")
echo "natively, as uid 65534:"
echo "$native"
inside=$("$UKRUN" -- sh -c '
mount -t container -o cpuacct none '"$d"'/c || exit 1
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 '"$NR_DIR"'/mount_perm.py "$@"
grep -c " '"$d"'/x " /proc/mounts
mount -t container -o cpuacct none '"$d"'/x && echo root mounts
' sh "${calls[@]}") || fail "the run failed: $inside"
echo "under uk-run, as uid 65534 (then the mounts of $d/x, then root):"
echo "$inside"
expect_eq "uid 65534's mounts under uk-run" "$native" "$(head -n ${#calls[@]} <<<"$inside")"
expect_eq "mounts at $d/x after uid 65534's calls" 0 "$(sed -n "$((${#calls[@]} + 1))p" <<<"$inside")"
expect_eq "root's mount" "root mounts" "$(tail -1 <<<"$inside")"
expect_no_uk_mounts
echo PASS
