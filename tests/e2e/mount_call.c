// mount_call: one raw mount(2) or umount2(2), printing "ok" or the errno's name (EBUSY,
// EINVAL...), so a test sees the exact errno that mount(8) and umount(8) hide.
//   mount_call mount SOURCE TARGET TYPE FLAGS DATA
//   mount_call umount TARGET FLAGS
// FLAGS: "0" or a comma list of remount, bind, move, rdonly, nosuid, noexec (mount) or detach, force,
// expire, nofollow (umount). An empty TYPE or DATA passes NULL.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

static unsigned long parse_flags(char* s) {
  static const struct {
    const char* name;
    unsigned long bit;
  } names[] = {{"remount", MS_REMOUNT}, {"bind", MS_BIND},      {"move", MS_MOVE},
               {"rdonly", MS_RDONLY},   {"nosuid", MS_NOSUID},  {"noexec", MS_NOEXEC},
               {"detach", MNT_DETACH},  {"force", MNT_FORCE},
               {"expire", MNT_EXPIRE},  {"nofollow", UMOUNT_NOFOLLOW}};
  unsigned long flags = 0;
  for (char* tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
      if (strcmp(tok, names[i].name) == 0) flags |= names[i].bit;
    }
  }
  return flags;
}

int main(int argc, char** argv) {
  int r;
  if (argc == 7 && strcmp(argv[1], "mount") == 0) {
    r = mount(argv[2], argv[3], *argv[4] ? argv[4] : NULL, parse_flags(argv[5]),
              *argv[6] ? argv[6] : NULL);
  } else if (argc == 4 && strcmp(argv[1], "umount") == 0) {
    r = umount2(argv[2], (int)parse_flags(argv[3]));
  } else {
    fprintf(stderr, "usage: mount_call mount SOURCE TARGET TYPE FLAGS DATA | umount TARGET FLAGS\n");
    return 2;
  }
  puts(r == 0 ? "ok" : strerrorname_np(errno));
  return r == 0 ? 0 : 1;
}
