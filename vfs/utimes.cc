// fs/utimes.c: utimensat on a path, the times of a file set to now or to given values.
#include <fcntl.h>
#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "vfs/dentry.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/namei.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

// nsec_valid(): UTIME_NOW, UTIME_OMIT, or a nanosecond count.
bool nsec_valid(long nsec) {
  return nsec == UTIME_NOW || nsec == UTIME_OMIT || (nsec >= 0 && nsec <= 999999999);
}

// do_utimes() for a path (vfs_utimes). No times (or both UTIME_NOW) means now, which
// the owner, root or a caller that may write the file may set; any other pair is an
// explicit change (ATTR_TIMES_SET: UTIME_OMIT leaves that time alone), the owner's or
// root's only. 2.6.24 let anyone set {UTIME_NOW, UTIME_OMIT}; 2.6.26 closed that, and
// both flavours answer as today's kernel.
Errno do_utimes(vfs_task& t, const char* filename, const struct timespec* times) {
  if (times && (!nsec_valid(times[0].tv_nsec) || !nsec_valid(times[1].tv_nsec))) {
    return Errno(EINVAL);
  }
  if (times && times[0].tv_nsec == UTIME_NOW && times[1].tv_nsec == UTIME_NOW) times = nullptr;
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(filename));
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, name, LOOKUP_FOLLOW));
  inode& i = *p.dentry->d_inode;
  if (is_rdonly(i)) return Errno(EROFS);
  iattr attr;
  attr.ia_valid = iattr::ATTR_CTIME | iattr::ATTR_MTIME | iattr::ATTR_ATIME;
  if (times) {
    attr.ia_valid |= iattr::ATTR_TIMES_SET;  // inode_change_ok: the owner's or root's
    if (times[0].tv_nsec == UTIME_OMIT) {
      attr.ia_valid &= ~iattr::ATTR_ATIME;
    } else if (times[0].tv_nsec != UTIME_NOW) {
      attr.ia_atime = times[0];
      attr.ia_valid |= iattr::ATTR_ATIME_SET;
    }
    if (times[1].tv_nsec == UTIME_OMIT) {
      attr.ia_valid &= ~iattr::ATTR_MTIME;
    } else if (times[1].tv_nsec != UTIME_NOW) {
      attr.ia_mtime = times[1];
      attr.ia_valid |= iattr::ATTR_MTIME_SET;
    }
  } else if (t.fsuid != i.i_uid && !t.capable()) {
    UK_TRY(permission(i, MAY_WRITE, t));
  }
  absl::MutexLock l(&i.i_mutex);
  return notify_change(t, *p.dentry, attr);
}

}  // namespace

long sys_utimes(vfs_task& t, const char* filename, const struct timespec* times) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::utimes, &t);
  std::string given;
  if (e.recording()) {
    e->path = filename ? filename : "";
    if (times) {
      given = absl::StrCat(times[0].tv_sec, " ", times[0].tv_nsec, " ", times[1].tv_sec, " ",
                           times[1].tv_nsec);
    }
    e->data = given;
  }
  return e.done(to_syscall_result(do_utimes(t, filename, times)));
}

}  // namespace uk
