#!/bin/bash
# uk-run as an unprivileged user (uid 65534) with FUSE: it mounts its filesystems from
# inside its own user namespace, and the article's session works. The host's /dev/fuse
# is often 0600 root, so, changing nothing on the host, the test runs in a private mount
# namespace of its own where a tmpfs holds a copy of uk-run and a FUSE device node that
# everyone may open (mknod c 10 229, mode 0666), bind-mounted over /dev/fuse.
set -euo pipefail
if [[ -z "${UK_NONROOT_INNER:-}" ]]; then
  if [[ $(id -u) != 0 ]] || ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null ||
    [[ ! -c /dev/fuse ]]; then
    echo "SKIP: needs root, setpriv, unshare and /dev/fuse"
    exit 0
  fi
  if ! unshare -m --propagation private true 2>/dev/null; then
    echo "SKIP: no private mount namespace here"
    exit 0
  fi
  UK_NONROOT_INNER=1 exec unshare -m --propagation private "$0" "$@"
fi
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"

# Outside $TMP: uid 65534 cannot search bazel's directories. The directory is the only
# trace on the host (empty there: the tmpfs is in this namespace), removed at exit.
box=$(mktemp -d /tmp/uk-nonroot.XXXXXX)
trap 'umount -l /dev/fuse 2>/dev/null; umount -l "$box" 2>/dev/null; rmdir "$box"; rm -rf "$TMP"' EXIT
mount -t tmpfs -o mode=755,size=64m none "$box"
cp "$UKRUN" "$box/uk-run"
chmod 755 "$box/uk-run"
mknod -m 666 "$box/fuse" c 10 229
mount --bind "$box/fuse" /dev/fuse
mkdir -m 777 "$box/work" "$box/files"
nr=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${nr[@]}" test -w /dev/fuse || fail "the private /dev/fuse is not writable for uid 65534"

for sh in bash dash; do
  out=$(cd / && "${nr[@]}" "$box/uk-run" -- "$sh" -c "
id -u
cat /proc/self/uid_map
touch $box/files/$sh
mount -t container -o cpuacct none $box/work
mkdir $box/work/new_container
echo \$\$ > $box/work/new_container/tasks
cat $box/work/new_container/tasks
echo shell=\$\$
cat /proc/self/container
grep ' $box/work ' /proc/mounts
umount $box/work") || fail "$sh: uk-run failed: $out"
  echo "$sh: $out"
  expect_eq "$sh: uid inside" 0 "$(head -1 <<<"$out")"
  # Root only in uk-run's user namespaces, which map one id each (65534 to 0, then 0 to
  # 0, so the map read inside is one level down): what root makes belongs to 65534.
  grep -Eq "^ *0 +0 +1$" <<<"$out" || fail "$sh: not in a user namespace mapping one id"
  expect_eq "$sh: owner on the host" 65534 "$(stat -c %u "$box/files/$sh")"
  shell=$(sed -n 's/^shell=//p' <<<"$out")
  [[ -n "$shell" ]] || fail "$sh: no shell pid"
  grep -qx "$shell" <<<"$out" || fail "$sh: shell pid $shell not in tasks"
  grep -qx "cpuacct:/new_container" <<<"$out" || fail "$sh: /proc/self/container"
  grep -q "^none $box/work container .*cpuacct" <<<"$out" || fail "$sh: /proc/mounts line"
done
# The FUSE mounts lived in uk-run's namespaces only.
expect_no_uk_mounts
[[ -z "$(ls -A "$box/work")" ]] || fail "$box/work not empty after uk-run"
