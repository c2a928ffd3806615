// fs/sync.c: fsync and fdatasync of an open file (do_fsync): its file_operations say.
#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/internal.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

Errno do_fsync(vfs_task& t, int fd) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  return f->f_op->fsync(*f);
}

}  // namespace

long sys_fsync(vfs_task& t, int fd) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::fsync, &t);
  if (e.recording()) e->fd = fd;
  return e.done(to_syscall_result(do_fsync(t, fd)));
}

}  // namespace uk
