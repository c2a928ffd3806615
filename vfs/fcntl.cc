// fs/fcntl.c: dup and dup2 (the new descriptor shares the open file and its f_pos,
// without close-on-exec).
#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/internal.h"
#include "vfs/syscalls.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

ErrorOr<int> do_dup(vfs_task& t, int oldfd) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(oldfd));
  absl::MutexLock l(&t.files->file_lock);
  UK_ASSIGN_OR_RETURN(int fd, t.files->get_unused_fd());
  t.files->fd_install(fd, std::move(f));
  return fd;
}

// sys_dup2(): EBADF for a bad oldfd, then newfd == oldfd is a no-op, then EBADF for a
// newfd out of range; a file already at newfd is closed (after the lock).
ErrorOr<int> do_dup2(vfs_task& t, int oldfd, int newfd) {
  check_task(t);
  std::shared_ptr<file> replaced;  // released after the lock, declared before it
  absl::MutexLock l(&t.files->file_lock);
  if (oldfd < 0 || oldfd >= static_cast<int>(t.files->fd.size()) || !t.files->fd[oldfd]) {
    return Errno(EBADF);
  }
  if (newfd == oldfd) return newfd;
  if (newfd < 0 || newfd >= files_struct::NR_OPEN_DEFAULT) return Errno(EBADF);
  std::shared_ptr<file> f = t.files->fd[oldfd];
  replaced = t.files->fd_remove(newfd);
  t.files->fd_install(newfd, std::move(f));
  return newfd;
}

}  // namespace

long sys_dup(vfs_task& t, int fd) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::dup, &t);
  if (e.recording()) e->fd = fd;
  return e.done(to_syscall_result(do_dup(t, fd)));
}

long sys_dup2(vfs_task& t, int oldfd, int newfd) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::dup2, &t);
  if (e.recording()) e->fd = oldfd, e->fd2 = newfd;
  return e.done(to_syscall_result(do_dup2(t, oldfd, newfd)));
}

}  // namespace uk
