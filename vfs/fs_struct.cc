// Per-task fs context and fd table (fs/namespace.c copy_fs_struct, fs/file.c dup_fd,
// fs/open.c get_unused_fd/fd_install).
#include "vfs/fs_struct.h"

#include "vfs/file.h"

namespace uk {

std::shared_ptr<fs_struct> fs_struct::copy() {
  auto n = std::make_shared<fs_struct>();
  absl::MutexLock l(&lock);
  absl::MutexLock nl(&n->lock);
  n->root = root;
  n->pwd = pwd;
  n->umask = umask;
  return n;
}

// dup_fd(): the child shares every open file (and its f_pos) with the parent.
std::shared_ptr<files_struct> files_struct::copy() {
  auto n = std::make_shared<files_struct>();
  absl::MutexLock l(&file_lock);
  absl::MutexLock nl(&n->file_lock);
  n->fd = fd;
  n->close_on_exec = close_on_exec;
  return n;
}

ErrorOr<int> files_struct::get_unused_fd(int from) {
  if (from < 0) return Errno(EINVAL);
  for (int i = from; i < NR_OPEN_DEFAULT; ++i) {
    if (i >= static_cast<int>(fd.size()) || !fd[i]) return i;
  }
  return Errno(EMFILE);
}

ErrorOr<std::shared_ptr<file>> files_struct::fget(int n) {
  absl::MutexLock l(&file_lock);
  if (n < 0 || n >= static_cast<int>(fd.size()) || !fd[n]) return Errno(EBADF);
  return fd[n];
}

void files_struct::fd_install(int n, std::shared_ptr<file> f, bool cloexec) {
  UK_CHECK(n >= 0 && n < NR_OPEN_DEFAULT);
  if (n >= static_cast<int>(fd.size())) {
    fd.resize(n + 1);
    close_on_exec.resize(n + 1);
  }
  UK_CHECK(!fd[n]);
  fd[n] = std::move(f);
  close_on_exec[n] = cloexec;
}

std::shared_ptr<file> files_struct::fd_remove(int n) {
  if (n < 0 || n >= static_cast<int>(fd.size())) return nullptr;
  close_on_exec[n] = false;
  return std::move(fd[n]);
}

void files_struct::do_close_on_exec() {
  std::vector<std::shared_ptr<file>> closed;
  {
    absl::MutexLock l(&file_lock);
    for (int n = 0; n < static_cast<int>(fd.size()); n++) {
      if (close_on_exec[n]) closed.push_back(fd_remove(n));
    }
  }
}

}  // namespace uk
