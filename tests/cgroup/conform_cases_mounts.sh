# Sourced by conform_cases.sh: cases of kind mount about mounts of a hierarchy beside
# the first (its table lists them).

# MS_REMOUNT | MS_BIND sets one mount's flags (path_mount: do_reconfigure_mnt), never
# its hierarchy's: a read-only bind of a group refuses a mkdir (EROFS) where the
# hierarchy's first mount does not, both show their own flags in the tables, and the
# bind made writable again (with nosuid) takes the mkdir. Off a mount's root: EINVAL.
case_bind_remount() {
  local b="$D.bind" f
  mkdir "$b"
  mnt "mount" mount none "$D" cgroup 0 "none,name=$HNAME"
  t mkdir "$D/sub"
  mnt "bind sub" mount "$D/sub" "$b" "" bind ""
  mnt "remount,bind,rdonly" mount none "$b" "" remount,bind,rdonly ""
  t mkdir "$b/x"
  t mkdir "$D/y"
  mnt "remount,bind,rdonly off the root" mount none "$D/sub" "" remount,bind,rdonly ""
  for f in "$D" "$b"; do
    echo "mounts ${f#"$D"}: $(awk -v d="$f" '$2 == d { print $3, $4 }' /proc/mounts | sed "s/$HNAME/NAME/")"
    echo "mountinfo ${f#"$D"}: $(awk -v d="$f" '$5 == d { for (i = 7; $i != "-"; i++) {}; print $4, $6, $(i + 1), $(i + 3) }' \
      /proc/self/mountinfo | sed "s/$HNAME/NAME/")"
  done
  mnt "remount,bind,nosuid" mount none "$b" "" remount,bind,nosuid ""
  t mkdir "$b/x"
  echo "mounts .bind: $(awk -v d="$b" '$2 == d { print $3, $4 }' /proc/mounts | sed "s/$HNAME/NAME/")"
  t rmdir "$b/x" "$D/y"
  mnt "umount bind" umount "$b" 0
  t rmdir "$D/sub"
  rmdir "$b"
}

# A mount's own flags (nosuid, noexec, ro: mountinfo's field 6) are its own, the
# super_block's (ro, by MS_RDONLY or an "ro" option; the super options) its
# hierarchy's: a remount sets both for the mount it names (do_remount, then
# set_mount_attributes), a bind of it keeps its own, and a read-only super_block makes
# every mount of it read-only (EROFS). statvfs's f_flag says the same (calculate_f_flags).
case_remount_flags() {
  local b="$D.bind" o="none,name=$HNAME" f
  mkdir "$b"
  flags() {
    for f in "$D" "$b"; do
      echo "  ${f#"$D"}: $(awk -v d="$f" '$2 == d { print $4 }' /proc/mounts | sed "s/$HNAME/NAME/") |" \
        "$(awk -v d="$f" '$5 == d { for (i = 7; $i != "-"; i++) {}; print $6, $(i + 3) }' \
          /proc/self/mountinfo | sed "s/$HNAME/NAME/")"
    done
    echo "  statvfs f_flag: $(python3 -c 'import os, sys
print(*[hex(os.statvfs(p).f_flag) for p in sys.argv[1:]])' "$D" "$b" "$D/tasks")"
  }
  mnt "mount nosuid,noexec" mount none "$D" cgroup nosuid,noexec "$o"
  mnt "bind" mount "$D" "$b" "" bind ""
  flags
  mnt "remount nosuid" mount none "$D" "" remount,nosuid "$o"
  mnt "remount rdonly" mount none "$D" "" remount,rdonly "$o"
  flags
  t mkdir "$b/x"
  mnt "remount, option ro" mount none "$D" "" remount "$o,ro"
  flags
  mnt "remount the bind rdonly" mount none "$b" "" remount,rdonly "$o"
  mnt "remount the bind rw" mount none "$b" "" remount "$o"
  flags
  t mkdir "$b/x"
  t rmdir "$b/x"
  mnt "umount bind" umount "$b" 0
  rmdir "$b"
}

# The target of a mount or umount is looked up as any path: relative to the cwd,
# through a symlink (umount's UMOUNT_NOFOLLOW refuses one), with a trailing slash;
# not a mount's root: EINVAL; a file: ENOTDIR; a missing parent: ENOENT; an empty path:
# ENOENT. Then the syscall's other arguments.
case_mount_paths() {
  mkdir "$D/real"
  ln -s real "$D/link"
  touch "$D/file"
  (
    cd "$D" || exit
    mnt "relative" mount none real cgroup 0 "none,name=$HNAME"
    echo "mounted at: $(awk -v d="$D" '$3 == "cgroup" && index($2, d) == 1 { print substr($2, length(d) + 1) }' /proc/mounts)"
    mnt "umount through the link" umount link 0
    mnt "mount through the link" mount none link cgroup 0 "none,name=$HNAME"
    echo "mounted at: $(awk -v d="$D" '$3 == "cgroup" && index($2, d) == 1 { print substr($2, length(d) + 1) }' /proc/mounts)"
    mkdir real/g
    mnt "umount a group" umount real/g 0
    mnt "umount the link, nofollow" umount link nofollow
    rmdir real/g
    mnt "umount with a trailing slash" umount real/ 0
    mnt "umount again" umount real 0
    mnt "mount on a file" mount none file cgroup 0 "none,name=$HNAME"
    mnt "mount under a missing directory" mount none nope/x cgroup 0 "none,name=$HNAME"
    mnt "mount on an empty path" mount none "" cgroup 0 "none,name=$HNAME"
    # The arguments as the syscall copies them first: the old MS_MGC_VAL magic in the
    # flags is dropped; a type, source or data that cannot be read is EFAULT; a type
    # longer than PATH_MAX EINVAL.
    python3 - "$HNAME" <<PY
$PY_ANS
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
def mount(src, typ, flags, data):
    def call():
        if libc.mount(src, b"real", typ, ctypes.c_ulong(flags), data) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "")
    return call
opts = b"none,name=" + sys.argv[1].encode()
bad = ctypes.cast(1, ctypes.c_char_p)
ans("MS_MGC_VAL", mount(b"none", b"cgroup", 0xC0ED0000, opts))
ans("umount", lambda: None if libc.umount2(b"real", 0) == 0 else (_ for _ in ()).throw(OSError(ctypes.get_errno(), "")))
ans("unreadable data", mount(b"none", b"cgroup", 0, bad))
ans("unreadable type", mount(b"none", bad, 0, opts))
ans("unreadable source", mount(bad, b"cgroup", 0, opts))
ans("type past PATH_MAX", mount(b"none", b"c" * 5000, 0, opts))
PY
  )
  rm -f "$D/link" "$D/file"
  rmdir "$D/real"
}

# statfs's f_fsid (kernfs_statfs: from the super_block's random uuid): the same through
# every mount of a hierarchy, another for another hierarchy, not the device number.
case_statfs_fsid() {
  mkdir "$D/a" "$D/b" "$D/c"
  mnt "mount" mount none "$D/a" cgroup 0 "none,name=$HNAME"
  mnt "mount again" mount none "$D/b" cgroup 0 "none,name=$HNAME"
  mnt "another hierarchy" mount none "$D/c" cgroup 0 "none,name=${HNAME}x"
  python3 - "$D" <<'PY'
import os, subprocess, sys
d = sys.argv[1]
fsid = {m: subprocess.check_output(["stat", "-f", "-c", "%i", os.path.join(d, m)]).decode().strip()
        for m in "abc"}
print("both mounts of a hierarchy:", fsid["a"] == fsid["b"], "| another:", fsid["a"] != fsid["c"],
      "| 0:", fsid["a"] == "0", "| the device:", int(fsid["a"], 16) == os.stat(d + "/a").st_dev)
PY
  for m in c b a; do mnt "umount $m" umount "$D/$m" 0; done
  rmdir "$D/a" "$D/b" "$D/c"
}

# A lazy unmount (MNT_DETACH) while a file or a cwd is held there: the super_block lives
# on, so the held file reads and writes, and the cwd walks on, until the last of them
# goes (and with it the hierarchy, which has no child here).
case_lazy_umount() {
  mkdir "$D/m"
  mnt "mount" mount none "$D/m" cgroup 0 "none,name=$HNAME"
  exec 7<>"$D/m/notify_on_release"
  mnt "umount, a file open" umount "$D/m" 0
  mnt "lazy umount" umount "$D/m" detach
  python3 - <<'PY'
import os
print("held file reads:", os.pread(7, 100, 0), "| writes:", os.write(7, b"1"),
      "| reads:", os.pread(7, 100, 0))
PY
  exec 7>&-
  mnt "mount again" mount none "$D/m" cgroup 0 "none,name=$HNAME"
  (
    cd "$D/m" || exit
    mnt "lazy umount, a cwd there" umount "$D/m" detach
    echo "cwd reads: $(cat notify_on_release) | lists: $(ls | grep -c -x tasks) | $(stat -f -c %T .)"
  )
  echo "mounted: $(grep -c " $D/m " /proc/self/mounts)"
  rmdir "$D/m"
}
