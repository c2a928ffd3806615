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
