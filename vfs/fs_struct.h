// Per-task filesystem context (fs_struct) and fd table (files_struct).
#pragma once

#include <sys/types.h>

#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "vfs/errno.h"
#include "vfs/path.h"
#include "vfs/types.h"

namespace uk {

struct fs_struct {
  absl::Mutex lock;
  path root ABSL_GUARDED_BY(lock);
  path pwd ABSL_GUARDED_BY(lock);
  mode_t umask ABSL_GUARDED_BY(lock) = 022;

  // copy_fs_struct() for fork without CLONE_FS.
  std::shared_ptr<fs_struct> copy();
};

struct files_struct {
  // Per-process limit, like RLIMIT_NOFILE's usual soft value.
  static constexpr int NR_OPEN_DEFAULT = 1024;

  absl::Mutex file_lock;
  std::vector<std::shared_ptr<file>> fd ABSL_GUARDED_BY(file_lock);
  std::vector<bool> close_on_exec ABSL_GUARDED_BY(file_lock);

  // dup_fd() for fork without CLONE_FILES.
  std::shared_ptr<files_struct> copy();
  // Lowest free slot >= `from`, or EMFILE.
  ErrorOr<int> get_unused_fd(int from = 0) ABSL_EXCLUSIVE_LOCKS_REQUIRED(file_lock);
  // The file in slot `fd`, or EBADF.
  ErrorOr<std::shared_ptr<file>> fget(int fd);
  // Puts `f` in slot `fd` (from get_unused_fd), close-on-exec as given (fd_install).
  void fd_install(int fd, std::shared_ptr<file> f, bool cloexec = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(file_lock);
  // Empties slot `fd` and returns what it held (null if nothing). The caller drops it
  // after releasing file_lock, so release() never runs under the lock.
  std::shared_ptr<file> fd_remove(int fd) ABSL_EXCLUSIVE_LOCKS_REQUIRED(file_lock);
  // do_close_on_exec(): closes every close-on-exec slot (exec). The files are dropped
  // after file_lock is released.
  void do_close_on_exec() ABSL_LOCKS_EXCLUDED(file_lock);
};

}  // namespace uk
