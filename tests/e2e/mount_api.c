// The new mount API, called raw: one line "NAME=RESULT" per syscall, RESULT being "ok"
// (a descriptor or 0 came back, closed again) or the errno's name. The arguments are
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
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif

static void report(const char* name, long r) {
  if (r >= 0) {
    if (r > 2) close((int)r);
    printf("%s=ok\n", name);
  } else {
    const char* e = strerrorname_np(errno);
    printf("%s=%s\n", name, e ? e : "?");
  }
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
  return 0;
}
