// fs/stat.c: stat and fstat (vfs_getattr = generic_fillattr; no getattr op here).
#include <sys/stat.h>

#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/namei.h"
#include "vfs/syscalls.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

// Under i_mutex, so a concurrent write or chmod is seen whole.
Errno vfs_getattr(inode& i, struct stat* st) {
  if (st == nullptr) return Errno(EFAULT);
  absl::MutexLock l(&i.i_mutex);
  generic_fillattr(i, st);
  return kOk;
}

Errno do_stat(vfs_task& t, const char* filename, struct stat* st) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(filename));
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, name, LOOKUP_FOLLOW));
  return vfs_getattr(*p.dentry->d_inode, st);
}

Errno do_fstat(vfs_task& t, int fd, struct stat* st) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  return vfs_getattr(*f->f_inode, st);
}

}  // namespace

long sys_stat(vfs_task& t, const char* filename, struct stat* st) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::stat, &t);
  if (e.recording()) e->path = filename ? filename : "";
  return e.done(to_syscall_result(do_stat(t, filename, st)));
}

long sys_fstat(vfs_task& t, int fd, struct stat* st) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::fstat, &t);
  if (e.recording()) e->fd = fd;
  return e.done(to_syscall_result(do_fstat(t, fd, st)));
}

}  // namespace uk
