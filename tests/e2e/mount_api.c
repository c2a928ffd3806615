// The new mount API and the mount table by syscall (statmount, listmount), called raw:
// one line "NAME=RESULT" per syscall, RESULT being "ok" (a descriptor, a count or 0 came
// back; a descriptor is closed again) or the errno's name. The arguments are
// harmless natively: bad descriptors and a missing path, and fsopen only makes a
// filesystem context that is never configured (no mount is made). Under uk-run every
// call must say ENOSYS (the filter's); natively fsopen must not.
//
// `mount_api mount DIR OPTIONS`: instead, a raw mount("x", DIR, "cgroup", 0, OPTIONS)
// (unmounted again if it worked), one line "mount=RESULT".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif
#ifndef __NR_statmount
#define __NR_statmount 457
#define __NR_listmount 458
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

// struct mnt_id_req, its first version (MNT_ID_REQ_SIZE_VER0); LSMT_ROOT lists from the
// namespace's root.
struct id_req {
  unsigned int size, spare;
  unsigned long long mnt_id, param;
};
#define LIST_FROM_ROOT 0xffffffffffffffffULL

// One line for a call that returned `r` (a count, 0, or -1 and errno).
static void report_count(const char* name, long r) {
  if (r >= 0) {
    printf("%s=ok\n", name);
  } else {
    const char* e = strerrorname_np(errno);
    printf("%s=%s\n", name, e ? e : "?");
  }
}

// The same for a call that returns a descriptor, closed again.
static void report(const char* name, long r) {
  if (r > 2) close((int)r);
  report_count(name, r);
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "mount") == 0) {
    long r = mount("x", argv[2], "cgroup", 0, argv[3]);
    report("mount", r);
    if (r == 0) umount2(argv[2], MNT_DETACH);
    return 0;
  }
  struct mount_attr attr = {0};
  report("fsopen", syscall(__NR_fsopen, "cgroup", 0));
  report("fsconfig", syscall(__NR_fsconfig, -1, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
  report("fsmount", syscall(__NR_fsmount, -1, 0, 0));
  report("fspick", syscall(__NR_fspick, AT_FDCWD, "/nonexistent-uk-mount-api", 0));
  report("move_mount", syscall(__NR_move_mount, -1, "", AT_FDCWD, "/nonexistent-uk-mount-api",
                               MOVE_MOUNT_F_EMPTY_PATH));
  report("open_tree", syscall(__NR_open_tree, AT_FDCWD, "/nonexistent-uk-mount-api", 0));
  report("mount_setattr",
         syscall(__NR_mount_setattr, -1, "", AT_EMPTY_PATH, &attr, sizeof attr));
  report("open_tree_attr", syscall(__NR_open_tree_attr, AT_FDCWD, "/nonexistent-uk-mount-api", 0,
                                   &attr, sizeof attr));
  // The mount table by syscall (Linux 6.8+): the root mount's basic facts, and the list.
  struct statx stx;
  unsigned long long root_id = 0;
  if (statx(AT_FDCWD, "/", 0, STATX_MNT_ID_UNIQUE, &stx) == 0) root_id = stx.stx_mnt_id;
  struct id_req req = {sizeof req, 0, root_id, 1 /* STATMOUNT_SB_BASIC */};
  char buf[4096];
  report_count("statmount", syscall(__NR_statmount, &req, buf, sizeof buf, 0));
  struct id_req list = {sizeof list, 0, LIST_FROM_ROOT, 0};
  unsigned long long ids[8];
  report_count("listmount", syscall(__NR_listmount, &list, ids, 8, 0));
  return 0;
}
