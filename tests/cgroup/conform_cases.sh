# The conformance table (issue 17 §6), sourced by conform_run.sh: one row per case,
#   NAME KIND WHERE [DEPENDS]
# and a function case_NAME with its steps (steps.sh: w writes, r reads, t runs a command;
# each prints its answer on one line). conformance_test.sh runs every row on the host
# kernel and under uk-run and compares the answers case by case.
#
# KIND says what D is when the steps start (conform_run.sh makes it, removes it after):
#   cpuset  a fresh cpuset with its parent's cpus and mems: on the host a child of the
#           host's v1 cpuset hierarchy; under uk-run of a `-o cpuset` mount.
#   cpu, cpuacct, freezer, pids  a fresh group in that subsystem's hierarchy: on the host
#           a child of the host's, under uk-run of a `-o cpu` (`-o cpuacct`, ...) mount.
#   named   a fresh group in a `none,name=` hierarchy of the run's own.
#   mount   an empty directory; the steps mount a hierarchy named $HNAME there (a name
#           unique to the case) and leave it mounted or not; the runner unmounts it.
# WHERE says who answers for the kernel:
#   host            the host kernel, live.
#   host:OPTIONS    the same, uk running the case under `uk-run OPTIONS` (e.g. --pids).
#   golden:OPTIONS  conform_goldens/NAME.out, checked in (make_goldens.sh); uk runs the
#                   case under `uk-run OPTIONS` (e.g. --nodes=2), a topology this host lacks.
# DEPENDS: the host's /sys/devices/system files (cpu/possible, cpu/online,
# node/has_memory, comma-separated) that a golden's answers depend on; make_goldens.sh
# records their content, and the test compares with the golden only on a host that has it.
# A step that only sets the stage runs through `require`: on the host, when it fails (e.g.
# another program's cpuset overlaps an exclusive one), the host cannot run the case, and
# the case is compared with its golden instead.
#
# On the host, D is a child of the host's root cpuset: a case never writes a root file
# of the host's (cpuset.memory_pressure_enabled is root-only, cgroup_v1_test covers it;
# a named hierarchy's root is the run's own), and puts
# scheduler-domain knobs (sched_load_balance, sched_relax_domain_level) only on a cpuset
# without CPUs, where the kernel does not rebuild the host's scheduler domains
# (update_flag, update_relax_domain_level).
CONFORM_CASES=(
  "flag_files_parse cpuset host"
  "exclusive_flags_parse cpuset host"
  "cpus_out_of_range cpuset host"
  "mems_out_of_range cpuset host"
  "list_syntax cpuset host"
  "cpuset_files cpuset host"
  "mem_hardwall cpuset host"
  "relax_domain_level cpuset host"
  "effective_masks cpuset host"
  "clone_children cpuset host"
  "long_writes cpuset host"
  "clone_children_exclusive_sibling cpuset host cpu/online,node/has_memory"
  "remount_held_child mount host"
  "mount_options mount host"
  "mount_sb_flags mount host"
  "subsys_names mount host"
  "bind_remount mount host"
  "remount_flags mount host"
  "mount_paths mount host"
  "statfs_fsid mount host"
  "lazy_umount mount host"
  "long_names named host"
  "move_tasks named host"
  "long_writes_root named host"
  "rename named host"
  "dir_links named host"
  "file_ops named host"
  "xattrs named host"
  "poll_and_removal named host"
  "rmdir_busy named host"
  "notify_on_release named host"
  "move_exiting named host"
  "pidlist_first_read named host"
  "mems_two_nodes cpuset golden:--nodes=2"
  "cpus_offline cpuset golden:--cpus=0 cpu/possible"
  "remount_changes_subsystems mount host"
  "cpuacct_files cpuacct host cpu/possible"
  "pids_zombies pids host:--pids"
  "cpu_values cpu host"
  "seq_reads cpu host"
  "freezer_values freezer host"
  "pids_values pids host:--pids"
)

# The Python steps' helper (unquoted heredocs take it in: their code has no $, ` or \):
# ans WHAT CALL prints "WHAT: ok", "WHAT: REPR" of CALL's result, or its errno's name.
PY_ANS='import errno
'"$(cat <<'PY'
def ans(what, call):
    try:
        r = call()
        print(what + ":", "ok" if r is None else repr(r))
    except OSError as e:
        print(what + ":", errno.errorcode[e.errno])
PY
)"

# What make_goldens.sh adds to a golden's "# made:" line about how the host answered.
declare -A CONFORM_NOTES=(
  [remount_changes_subsystems]="net_cls (unbound on the host, bound to the case's own hierarchy and unbound again) where uk-run adds cpu"
)

# Values every flag file gets (kstrtoull(buf, 0): junk, signs, blanks, overflow, bases).
FLAG_VALUES=(A -1 -0 " 1" "1 " 0x 18446744073709551616 0x1 +1 $'1\n' 010 2 0)

# §2: flag files of today's cpuset: an unsigned integer with base detection; non-zero
# sets. On a cpuset without CPUs (see above).
case_flag_files_parse() {
  local f v
  mkdir "$D/a"
  for f in mem_hardwall memory_migrate memory_spread_page memory_spread_slab sched_load_balance; do
    for v in "${FLAG_VALUES[@]}"; do
      w "$D/a/cpuset.$f" "$v"
      r "$D/a/cpuset.$f"
    done
  done
}

# §2: cpu_exclusive and mem_exclusive parse first; a set flag then fails validation (the
# parent is not exclusive), a clear one passes.
case_exclusive_flags_parse() {
  local f v
  mkdir "$D/a"
  for f in cpu_exclusive mem_exclusive; do
    for v in "${FLAG_VALUES[@]}"; do
      w "$D/a/cpuset.$f" "$v"
      r "$D/a/cpuset.$f"
    done
  done
}

# §2: a CPU that cannot exist (>= nr_cpu_ids) is ERANGE, one outside the top cpuset
# EINVAL, one outside the parent's EACCES; nothing is trimmed.
case_cpus_out_of_range() {
  local v
  mkdir "$D/a"
  for v in 2 0,12 0-2 12 4096 0-1 1 0; do
    w "$D/a/cpuset.cpus" "$v"
    r "$D/a/cpuset.cpus"
  done
  w "$D/cpuset.cpus" 0
  w "$D/a/cpuset.cpus" 1
  w "$D/a/cpuset.cpus" 0-1
  r "$D/a/cpuset.cpus"
}

# §2: mems by their own bit count (MAX_NUMNODES) and the top cpuset's nodes.
case_mems_out_of_range() {
  local v
  mkdir "$D/a"
  for v in 1 0-1 2 63 64 1023 1024 0,1024 0; do
    w "$D/a/cpuset.mems" "$v"
    r "$D/a/cpuset.mems"
  done
}

# §2: bitmap_parselist's syntax, and "%*pbl" output.
case_list_syntax() {
  local v
  mkdir "$D/a"
  for v in 0- 0--1 0AAA AAA 1-0 -1 "0," 0,0 1,0 0-1 0-1:1/2 0-1:2/1 0-1:0/2 0-1:1/0 " " "0 " \
    $'0\n' "" ",0" "0,,1" "0 ,1" "0-0"; do
    w "$D/a/cpuset.cpus" "$v"
    r "$D/a/cpuset.cpus"
  done
  for v in 0- AAA "0," 0,0 0-0:1/2 " " "" $'0\n'; do
    w "$D/a/cpuset.mems" "$v"
    r "$D/a/cpuset.mems"
  done
}

# §3: the files of a new cpuset, in the order readdir gives them, with their modes.
case_cpuset_files() {
  mkdir "$D/a"
  (cd "$D/a" && ls -f | grep -v '^\.\.\?$' | while read -r f; do stat -c '%a %n' "$f"; done)
}

# §3: mem_hardwall exists, is 0 in a new cpuset and not inherited.
case_mem_hardwall() {
  mkdir "$D/a"
  r "$D/a/cpuset.mem_hardwall"
  w "$D/a/cpuset.mem_hardwall" 1
  mkdir "$D/a/b"
  r "$D/a/b/cpuset.mem_hardwall"
  r "$D/a/cpuset.mem_hardwall"
}

# §3: sched_relax_domain_level: -1 in every new cpuset, not inherited, a range that the
# topology bounds, parsed as a signed integer. On a cpuset without CPUs (see above).
case_relax_domain_level() {
  local v
  mkdir "$D/a"
  r "$D/a/cpuset.sched_relax_domain_level"
  for v in -2 -1 0 1 2 3 4 5 6 7 8 100 abc " 1" "1 " $'1\n' 0x1 +1 -0 010 \
    9223372036854775808 -9223372036854775809 ""; do
    w "$D/a/cpuset.sched_relax_domain_level" "$v"
    r "$D/a/cpuset.sched_relax_domain_level"
  done
  w "$D/a/cpuset.sched_relax_domain_level" 1
  mkdir "$D/a/b"
  r "$D/a/b/cpuset.sched_relax_domain_level"
}

# §3: effective_cpus and effective_mems follow cpus and mems on the legacy hierarchy;
# a parent cannot shrink below a child (EBUSY).
case_effective_masks() {
  r "$D/cpuset.effective_cpus"
  r "$D/cpuset.effective_mems"
  mkdir "$D/a"
  r "$D/a/cpuset.effective_cpus"
  r "$D/a/cpuset.effective_mems"
  w "$D/a/cpuset.cpus" 0
  w "$D/a/cpuset.mems" 0
  r "$D/a/cpuset.effective_cpus"
  r "$D/a/cpuset.effective_mems"
  w "$D/cpuset.cpus" 1
  w "$D/cpuset.mems" " "
  r "$D/cpuset.effective_cpus"
  w "$D/a/cpuset.cpus" " "
  w "$D/cpuset.cpus" 1
  r "$D/cpuset.effective_cpus"
  r "$D/a/cpuset.effective_cpus"
  w "$D/a/cpuset.effective_cpus" 1
}

# §2: long writes. kernfs_fop_write_iter() refuses a write longer than the file's
# atomic_write_len with E2BIG: its cftype's max_write_len (cpus 100 + 6 * NR_CPUS, mems
# 100 + 6 * MAX_NUMNODES, release_agent PATH_MAX), else a page (cgroup_init_cftypes); a
# shorter one is parsed whole, up to its first NUL. On a cpuset without CPUs (see above).
case_long_writes() {
  local f v
  mkdir "$D/a"
  for f in cpuset.cpu_exclusive cpuset.mem_exclusive cpuset.mem_hardwall cpuset.memory_migrate \
    cpuset.memory_spread_page cpuset.memory_spread_slab cpuset.sched_load_balance \
    cpuset.sched_relax_domain_level notify_on_release cgroup.clone_children; do
    for v in 'b"1" + b" " * 4999' 'b"1" + b"\n" * 4999' 'b"1" + b"\n" * 4095 + b"x"' \
      'b"1" + b"\n" * 4095' 'b"1\n" + b"\0" * 4094' 'b"1\n" + b"\0" * 4095' 'b"0" * 4095 + b"1"' \
      'b"0" * 4096 + b"1"' 'b"1\n" + b"junk" * 1000'; do
      wraw "$D/a/$f" "$v"
      r "$D/a/$f"
    done
  done
  for v in 'b"0\n" + b"\0" * 1634' 'b"0\n" + b"\0" * 1635' 'b"0" + b"," * 1635'; do
    wraw "$D/a/cpuset.cpus" "$v"
    r "$D/a/cpuset.cpus"
  done
  for v in 'b"0\n" + b"\0" * 6242' 'b"0\n" + b"\0" * 6243' 'b"0" * 5000'; do
    wraw "$D/a/cpuset.mems" "$v"
    r "$D/a/cpuset.mems"
  done
  wraw "$D/a/tasks" 'b"abc" + b"\0" * 4093'
  wraw "$D/a/tasks" 'b"abc" + b"\0" * 4094'
}

# §3: clone_children: a new cpuset copies its parent's cpus and mems when set; the flag
# is inherited and parsed as notify_on_release is.
case_clone_children() {
  local v
  r "$D/cgroup.clone_children"
  mkdir "$D/a"
  r "$D/a/cpuset.cpus"
  r "$D/a/cpuset.mems"
  r "$D/a/cgroup.clone_children"
  w "$D/cgroup.clone_children" 1
  mkdir "$D/b"
  r "$D/b/cpuset.cpus"
  r "$D/b/cpuset.mems"
  r "$D/b/cgroup.clone_children"
  w "$D/b/cpuset.cpus" 0
  mkdir "$D/b/c"
  r "$D/b/c/cpuset.cpus"
  for v in yes " 1" -1 2 0x1 $'1\n' 0; do
    w "$D/b/cgroup.clone_children" "$v"
    r "$D/b/cgroup.clone_children"
  done
  mkdir "$D/b/d"
  r "$D/b/d/cpuset.cpus"
}

# §3: no copy while a sibling is cpu_exclusive or mem_exclusive (cpuset_css_online).
# A child may be exclusive only when its parent is: D is made exclusive first, which on
# the host fails if another program's cpuset overlaps it (then the golden answers).
case_clone_children_exclusive_sibling() {
  require w "$D/cpuset.cpu_exclusive" 1
  require w "$D/cpuset.mem_exclusive" 1
  w "$D/cgroup.clone_children" 1
  mkdir "$D/x"
  r "$D/x/cpuset.cpus"
  r "$D/x/cpuset.mems"
  w "$D/x/cpuset.cpu_exclusive" 2
  r "$D/x/cpuset.cpu_exclusive"
  t mkdir "$D/y"
  r "$D/y/cpuset.cpus"
  r "$D/y/cpuset.mems"
  w "$D/x/cpuset.cpu_exclusive" 0
  w "$D/x/cpuset.mem_exclusive" 1
  t mkdir "$D/z"
  r "$D/z/cpuset.cpus"
  r "$D/z/cpuset.mems"
  w "$D/x/cpuset.mem_exclusive" 0
  t mkdir "$D/v"
  r "$D/v/cpuset.cpus"
  r "$D/v/cpuset.mems"
  w "$D/y/cpuset.cpus" 0
  w "$D/y/cpuset.cpu_exclusive" 1
  w "$D/v/cpuset.cpu_exclusive" 1
}

# Mounts a named hierarchy at D, makes a child, holds it open (fd 3) and removes it.
mount_holding_a_removed_child() {
  mnt "mount" mount none "$D" cgroup 0 "none,name=$HNAME"
  mkdir "$D/a"
  exec 3<"$D/a"
  t rmdir "$D/a"
}

# §4: a remount while a removed child is held open. The kernel lets go of a removed
# group asynchronously (RCU, then a workqueue), and the open directory does not hold it:
# a remount may be EBUSY for a moment (cgroup1_reconfigure: populated), then passes.
# cpuset is bound to another hierarchy on both sides (conform_run.sh): EBUSY.
case_remount_held_child() {
  mount_holding_a_removed_child
  mnt_retry "remount, same set, the removed child held open" mount none "$D" cgroup remount "none,name=$HNAME"
  mnt "remount, adding a busy cpuset" mount none "$D" cgroup remount "cpuset,name=$HNAME"
  mkdir "$D/b"
  mnt "remount with a child" mount none "$D" cgroup remount "none,name=$HNAME"
  rmdir "$D/b"
  exec 3<&-
  mnt "umount" umount "$D" 0
}

# §2: mount options parsed as cgroup1_parse_param() does: release_agent= cannot be
# empty (fsparam_string), favordynmods has a "no" form that clears it (fsparam_flag_no).
case_mount_options() {
  mnt "release_agent= empty" mount none "$D" cgroup 0 "none,name=$HNAME,release_agent="
  mnt "favordynmods, nofavordynmods" mount none "$D" cgroup 0 \
    "none,name=$HNAME,favordynmods,nofavordynmods"
  echo "options: $(awk -v d="$D" '$2 == d { print $4 }' /proc/mounts)"
  mnt "umount" umount "$D" 0
  # An empty key with a value: the VFS skips it (vfs_parse_monolithic_sep).
  mnt "=x" mount none "$D" cgroup 0 "none,name=$HNAME,=x"
  echo "options: $(awk -v d="$D" '$2 == d { print $4 }' /proc/mounts)"
  mnt "umount" umount "$D" 0
}

# §4: today's VFS takes super_block flags from a mount's options (fs/fs_context.c
# vfs_parse_sb_flag, by key: ro=1 is ro): `ro` makes the new hierarchy read-only while
# its mount stays rw; sync, dirsync, mand and lazytime show among the super options.
# posixacl and silent are not such keys here (EINVAL).
case_mount_sb_flags() {
  mnt "posixacl" mount none "$D" cgroup 0 "none,name=$HNAME,posixacl"
  mnt "silent" mount none "$D" cgroup 0 "none,name=$HNAME,silent"
  mnt "ro=1,sync,dirsync,mand,lazytime" mount none "$D" cgroup 0 \
    "none,name=$HNAME,ro=1,sync,dirsync,mand,lazytime"
  echo "mounts: $(awk -v d="$D" '$2 == d { print $4 }' /proc/mounts)"
  echo "mountinfo: $(awk -v d="$D" '$5 == d { for (i = 7; $i != "-"; i++) {}; print $6, $(i + 3) }' \
    /proc/self/mountinfo)"
  t mkdir "$D/x"
  mnt "umount" umount "$D" 0
}

# Today's kernel has no ns subsystem (removed in 3.0): its name is unknown, as any other
# (cgroup1_parse_param's EINVAL). /proc/cgroups lists the subsystems in
# include/linux/cgroup_subsys.h's order (for_each_subsys): those of both sides here.
case_subsys_names() {
  mnt "ns" mount none "$D" cgroup 0 "ns"
  mnt "ns, name=" mount none "$D" cgroup 0 "ns,name=$HNAME"
  echo "/proc/cgroups: $(awk 'NR > 1 && $1 ~ /^(cpuset|cpu|cpuacct|freezer|pids|ns)$/ { print $1 }' \
    /proc/cgroups | paste -sd,)"
}

# A cgroup's name may be longer than NAME_MAX: kernfs_iop_lookup() has no limit (2.6.24's
# simple_lookup() had). Up to 1024 bytes, FUSE's own limit (FUSE_NAME_MAX) under uk-run.
case_long_names() {
  local n
  for n in 255 256 1024; do
    local name
    name=$(printf 'n%.0s' $(seq "$n"))
    t mkdir "$D/$name"
    r "$D/$name/notify_on_release"
    echo "listed $n: $(ls "$D" | grep -c "^$name\$")"
    t rmdir "$D/$name"
  done
}

# What must keep holding: moving tasks (tasks moves one thread, cgroup.procs a process;
# 0 is the writer), and the errors of a bad pid.
case_move_tasks() {
  local s1 s2
  mkdir -p "$D/a/b"
  sleeper s1
  sleeper s2
  w "$D/a/tasks" "$s1"
  w "$D/a/b/cgroup.procs" "$s2"
  members "$D/a/tasks"
  members "$D/a/b/tasks"
  members "$D/a/b/cgroup.procs"
  cgroup_of "$s1"
  cgroup_of "$s2"
  w "$D/a/b/tasks" "$s1"
  members "$D/a/tasks"
  members "$D/a/b/tasks"
  sh -c 'echo 0 >"$1/tasks" && grep -c . "$1/tasks"' _ "$D/a"
  w "$D/a/tasks" 4194304
  w "$D/a/tasks" abc
  w "$D/a/tasks" ""
}

# §2: long writes to a root's files (a named hierarchy's root, D's parent):
# release_agent's max_write_len is PATH_MAX - 1, the others a page.
case_long_writes_root() {
  local root=${D%/*} f v
  for v in 'b"/bin/true\n" + b"\0" * 4085' 'b"/bin/true\n" + b"\0" * 4086' 'b"/bin/true" * 500'; do
    wraw "$root/release_agent" "$v"
    r "$root/release_agent"
  done
  wraw "$root/release_agent" 'b"\n"'
  for f in notify_on_release cgroup.clone_children; do
    for v in 'b"1\n" + b"\0" * 4094' 'b"1\n" + b"\0" * 4095'; do
      wraw "$root/$f" "$v"
      r "$root/$f"
    done
    wraw "$root/$f" 'b"0"'
  done
}

# What must keep holding: rename within a parent only (cgroup1_rename).
case_rename() {
  mkdir -p "$D/a/b" "$D/c"
  t mv "$D/a/b" "$D/a/b2"
  t mv "$D/a/b2" "$D/c/b2"
  t mv "$D/a" "$D/a2"
  t mv "$D/a2/tasks" "$D/a2/t"
  t mkdir "$D/a2/b3"
  t mv "$D/a2/b3" "$D/a2/b2"
  find "$D/a2" -mindepth 1 -type d -printf 'dir %P\n' | sort
}

# A group's link count is 2 and one per child group (kernfs_refresh_inode; 2.6.24's
# cgroup_create_dir and remove_dir), through mkdir, rename and rmdir.
case_dir_links() {
  links() { echo "links: $(stat -c '%h' "$D" "$D/a" "$D/a/b" "$D/c" 2>&1 | tr '\n' ' ')"; }
  links
  mkdir -p "$D/a/b" "$D/c"
  links
  mkdir "$D/a/b2" "$D/a/b3"
  links
  t mv "$D/a/b3" "$D/a/b4"
  links
  t rmdir "$D/a/b2" "$D/a/b4" "$D/c"
  links
}

# Times and truncation are kept as a file's (kernfs_iop_setattr); a group makes no node,
# symlink or hard link (no ->mknod, ->symlink, ->link: EPERM after may_create's EEXIST).
case_file_ops() {
  mkdir "$D/a"
  t touch -m -d '2001-01-01 00:00:00 UTC' "$D/a/tasks"
  t touch -a -d '2002-01-01 00:00:00 UTC' "$D/a/tasks"
  echo "tasks atime mtime: $(stat -c '%X %Y' "$D/a/tasks")"
  t touch -d '2003-01-01 00:00:00 UTC' "$D/a"
  echo "group atime mtime: $(stat -c '%X %Y' "$D/a")"
  t touch -m -d '2001-01-01 00:00:00 UTC' "$D/a/notify_on_release"
  w "$D/a/notify_on_release" 1
  echo "a write's O_TRUNC moved mtime: $([[ $(stat -c %Y "$D/a/notify_on_release") -gt 978307200 ]] && echo yes || echo no)"
  t touch -m -d '2001-01-01 00:00:00 UTC' "$D/a/notify_on_release"
  t truncate -s 0 "$D/a/notify_on_release"
  echo "truncate moved mtime: $([[ $(stat -c %Y "$D/a/notify_on_release") -gt 978307200 ]] && echo yes || echo no)"
  t truncate -s 5 "$D/a/notify_on_release"
  echo "size after truncate -s 5: $(stat -c %s "$D/a/notify_on_release")"
  t truncate -s 0 "$D/a"
  t mknod "$D/a/fifo" p
  t mknod "$D/a/tasks" p
  t ln -s x "$D/a/sym"
  t ln "$D/a/tasks" "$D/a/hard"
  ls "$D/a" | grep -c -E '^(fifo|sym|hard)$'
  # No ->direct_IO: an O_DIRECT open is EINVAL, a group's and a file's; fsync.
  python3 - "$D/a" <<'PY'
import errno, os, sys
for p, flags in ((sys.argv[1], os.O_RDONLY), (sys.argv[1] + "/tasks", os.O_WRONLY)):
    try:
        os.close(os.open(p, flags | os.O_DIRECT))
        print("O_DIRECT open: ok")
    except OSError as e:
        print("O_DIRECT open:", errno.errorcode[e.errno])
    # kernfs: a file's fsync is noop_fsync, a directory has none (EINVAL).
    fd = os.open(p, os.O_RDONLY)
    for call in (os.fsync, os.fdatasync):
        try:
            call(fd)
            print(call.__name__ + ": ok")
        except OSError as e:
            print(call.__name__ + ":", errno.errorcode[e.errno])
    os.close(fd)
PY
}

# Extended attributes of a group and its files (kernfs_xattr_handlers: user. with
# kernfs's limits, security.; trusted. is the host's to refuse in uk-run's user
# namespace), listed by name descending, with fs/xattr.c's errnos.
case_xattrs() {
  mkdir "$D/a"
  python3 - "$D/a" <<PY
$PY_ANS
import os, sys
for p in (sys.argv[1], sys.argv[1] + "/tasks"):
    w = "group" if p == sys.argv[1] else "tasks"
    for n in ("user.b", "user.a", "security.m", "user.c"):
        ans(w + " set " + n, lambda: os.setxattr(p, n, n.encode()))
    ans(w + " list", lambda: os.listxattr(p))
    ans(w + " get user.a", lambda: os.getxattr(p, "user.a"))
    ans(w + " set empty", lambda: os.setxattr(p, "user.e", b""))
    ans(w + " get empty", lambda: os.getxattr(p, "user.e"))
    ans(w + " create existing", lambda: os.setxattr(p, "user.a", b"1", os.XATTR_CREATE))
    ans(w + " replace missing", lambda: os.setxattr(p, "user.q", b"1", os.XATTR_REPLACE))
    ans(w + " replace", lambda: os.setxattr(p, "user.a", b"2", os.XATTR_REPLACE))
    ans(w + " get missing", lambda: os.getxattr(p, "user.q"))
    ans(w + " remove missing", lambda: os.removexattr(p, "user.q"))
    ans(w + " remove", lambda: os.removexattr(p, "user.b"))
    ans(w + " no suffix", lambda: os.setxattr(p, "user.", b"1"))
    ans(w + " unknown prefix", lambda: os.setxattr(p, "foo.x", b"1"))
    ans(w + " get unknown prefix", lambda: os.getxattr(p, "foo.x"))
    ans(w + " acl", lambda: os.getxattr(p, "system.posix_acl_access"))
    ans(w + " name too long", lambda: os.setxattr(p, "user." + "x" * 300, b"1"))
    ans(w + " value too big", lambda: os.setxattr(p, "user.big", b"1" * 70000))
    ans(w + " list", lambda: os.listxattr(p))
n = 0
try:
    while n < 200:
        os.setxattr(sys.argv[1], "user.n%d" % n, b"1")
        n += 1
except OSError as e:
    print("user attributes until", errno.errorcode[e.errno] + ":", n)
ans("replace at the limit", lambda: os.setxattr(sys.argv[1], "user.n0", b"2"))
t = sys.argv[1] + "/tasks"
ans("64 KiB", lambda: os.setxattr(t, "user.big1", b"1" * 65536))
ans("another 64 KiB", lambda: os.setxattr(t, "user.big2", b"1" * (65536 - 8)))
ans("past 128 KiB", lambda: os.setxattr(t, "user.big3", b"1" * 16))
PY
}

# poll(2) of control files (kernfs_generic_poll): POLLERR | POLLPRI besides
# DEFAULT_POLLMASK from the open until a read that runs the file's ->show (none for an
# empty pidlist, none for 0 bytes); and once the group is removed, ENODEV for a read or
# a write of a file still open, and POLLERR | POLLPRI again.
case_poll_and_removal() {
  mkdir "$D/a"
  python3 - "$D/a" <<PY
$PY_ANS
import os, select, sys
g = sys.argv[1]
def mask(fd):
    p = select.poll()
    p.register(fd, select.POLLIN | select.POLLPRI | select.POLLOUT)
    r = p.poll(0)
    return hex(r[0][1]) if r else "0"
tasks = os.open(g + "/tasks", os.O_RDONLY)
print("tasks at open:", mask(tasks))
os.read(tasks, 4096)
print("empty tasks after a read:", mask(tasks))
f = os.open(g + "/notify_on_release", os.O_RDONLY)
os.read(f, 0)
print("after a read of 0 bytes:", mask(f))
os.read(f, 1)
print("after a read of 1 byte:", mask(f))
os.read(f, 4096)
print("after a read at the end:", mask(f))
late = os.open(g + "/notify_on_release", os.O_RDONLY)
os.lseek(late, 5, os.SEEK_SET)
ans("first read past the end", lambda: os.read(late, 4096))
print("after it:", mask(late))
w = os.open(g + "/notify_on_release", os.O_RDWR)
os.write(w, b"1")
print("read-write, after a write:", mask(w))
os.pread(w, 4096, 0)
print("read-write, after a pread:", mask(w))
os.rmdir(g)
ans("removed: read", lambda: os.pread(f, 4096, 0))
ans("removed: write", lambda: os.pwrite(w, b"0", 0))
print("removed: poll after reads:", mask(f))
print("removed: poll, never read:", mask(late))
ep = select.epoll()
ep.register(f, select.EPOLLIN | select.EPOLLPRI)
print("removed: epoll:", [hex(e) for _, e in ep.poll(0)])
for fd in (tasks, f, late, w):
    os.close(fd)
PY
}

# What must keep holding: rmdir of a group with a task or a child is EBUSY.
case_rmdir_busy() {
  local s1
  mkdir -p "$D/a/b" "$D/c"
  sleeper s1
  w "$D/c/tasks" "$s1"
  t rmdir "$D/a"
  t rmdir "$D/c"
  t rmdir "$D/c/tasks"
  w "$D/tasks" "$s1"
  t rmdir "$D/c"
  t rmdir "$D/a/b"
  t rmdir "$D/a"
  t rmdir "$D/nope"
}

# What must keep holding: notify_on_release is 0 by default, inherited, parsed strictly.
case_notify_on_release() {
  local v
  r "$D/notify_on_release"
  for v in foo " 1" -1 99999999999999999999999 2x 0x1 +1 $'1\n' 7 0 1; do
    w "$D/notify_on_release" "$v"
    r "$D/notify_on_release"
  done
  mkdir "$D/a"
  r "$D/a/notify_on_release"
  w "$D/notify_on_release" 0
  mkdir "$D/b"
  r "$D/b/notify_on_release"
  r "$D/a/notify_on_release"
}

# Two memory nodes (issue 17 §5): mems of a child, the top cpuset's nodes, the clone.
case_mems_two_nodes() {
  r "$D/cpuset.mems"
  r "$D/cpuset.effective_mems"
  mkdir "$D/a"
  w "$D/a/cpuset.mems" 1
  r "$D/a/cpuset.mems"
  r "$D/a/cpuset.effective_mems"
  w "$D/a/cpuset.mems" 1,0
  r "$D/a/cpuset.mems"
  w "$D/a/cpuset.mems" 2
  w "$D/a/cpuset.mems" 0-2
  w "$D/a/cpuset.mems" 1024
  r "$D/a/cpuset.mems"
  w "$D/cgroup.clone_children" 1
  mkdir "$D/b"
  r "$D/b/cpuset.mems"
  w "$D/cpuset.mems" 0
  w "$D/a/cpuset.mems" 0
  w "$D/b/cpuset.mems" 1
  w "$D/cpuset.mems" 1
  r "$D/cpuset.mems"
}

# A CPU that is possible but offline (uk-run --cpus 0 on a host with CPUs 0-1): EINVAL,
# not ERANGE; the top cpuset has only the online CPU.
case_cpus_offline() {
  echo "possible $(cat /sys/devices/system/cpu/possible) online $(cat /sys/devices/system/cpu/online)"
  r "$D/cpuset.cpus"
  mkdir "$D/a"
  for v in 1 0-1 2 0; do
    w "$D/a/cpuset.cpus" "$v"
    r "$D/a/cpuset.cpus"
  done
}

# §4: a remount that changes the subsystem set (adds a controller no hierarchy holds)
# while a removed child is held open: as above, it passes once the kernel has let go of
# the child, and the set changes. The host binds every controller uk has to a v1
# hierarchy of its own, so the host adds net_cls (which uk lacks) where uk adds cpu:
# cgroup1_reconfigure() and rebind_subsystems() treat the two alike (neither has a bind
# callback). On the host only when /proc/cgroups shows net_cls unbound (hierarchy 0;
# else the golden answers); the case binds it to its own hierarchy alone, and dropping
# it returns it unbound, which the case checks. Nothing is written to its files.
case_remount_changes_subsystems() {
  local ss=cpu file=cpu.shares
  [[ "$SIDE" == host ]] && ss=net_cls file=net_cls.classid
  require controller_unbound "$ss"
  mount_holding_a_removed_child
  mnt_retry "remount, adding it, the removed child held open" mount none "$D" cgroup remount "$ss,name=$HNAME"
  controller_file "$D/$file"
  mnt "remount, dropping it" mount none "$D" cgroup remount "none,name=$HNAME"
  controller_file "$D/$file"
  controller_unbound "$ss"
  exec 3<&-
  mnt "umount" umount "$D" 0
}

# The cases of kinds cpu, cpuacct, freezer and pids.
source "$(dirname "${BASH_SOURCE[0]}")/conform_cases_subsys.sh"
source "$(dirname "${BASH_SOURCE[0]}")/conform_cases_values.sh"
source "$(dirname "${BASH_SOURCE[0]}")/conform_cases_pidfiles.sh"
source "$(dirname "${BASH_SOURCE[0]}")/conform_cases_mounts.sh"
