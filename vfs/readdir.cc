// fs/readdir.c: vfs_readdir and getdents64's filldir64.
#include <cstddef>
#include <cstring>

#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/syscalls.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

// vfs_readdir(): a removed directory lists nothing (ENOENT, IS_DEADDIR); otherwise the
// file's readdir (ENOTDIR for files). Unlike 2.6.24 it does not take the directory's
// i_mutex: the operations snapshot what they list under their own locks, and
// readdir() takes f_pos_lock, which comes before i_mutex.
Errno vfs_readdir(file& f, const filldir_t& filldir) {
  if (f.f_inode->is_dir() && d_unhashed(*f.f_path.dentry)) return Errno(ENOENT);
  return f.f_op->readdir(f, filldir);
}

// Fills struct linux_dirent64 records (filldir64): each d_reclen is the name's record
// rounded up to 8 bytes, each d_off the position of the entry after it.
ErrorOr<long> do_getdents64(vfs_task& t, int fd, void* dirp, size_t count) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  if (dirp == nullptr) return Errno(EFAULT);
  char* out = static_cast<char*>(dirp);
  size_t left = count;
  char* previous = nullptr;
  Errno error = kOk;
  loff_t start;
  {
    absl::MutexLock l(&f->f_pos_lock);
    start = f->f_pos;
  }
  loff_t n = 0;
  auto filldir64 = [&](std::string_view name, unsigned long ino, unsigned char type) {
    size_t reclen = (offsetof(linux_dirent64, d_name) + name.size() + 1 + 7) & ~size_t{7};
    if (reclen > left) {
      error = Errno(EINVAL);  // only reported if nothing fit
      return false;
    }
    if (previous != nullptr) {
      int64_t off = start + n;
      std::memcpy(previous + offsetof(linux_dirent64, d_off), &off, sizeof off);
    }
    std::memset(out, 0, reclen);
    uint64_t d_ino = ino;
    unsigned short d_reclen = static_cast<unsigned short>(reclen);
    std::memcpy(out + offsetof(linux_dirent64, d_ino), &d_ino, sizeof d_ino);
    std::memcpy(out + offsetof(linux_dirent64, d_reclen), &d_reclen, sizeof d_reclen);
    std::memcpy(out + offsetof(linux_dirent64, d_type), &type, sizeof type);
    std::memcpy(out + offsetof(linux_dirent64, d_name), name.data(), name.size());
    previous = out;
    out += reclen;
    left -= reclen;
    ++n;
    return true;
  };
  UK_TRY(vfs_readdir(*f, filldir64));
  if (previous == nullptr) {
    if (!error.ok()) return error;
    return 0;
  }
  int64_t last_off;
  {
    absl::MutexLock l(&f->f_pos_lock);
    last_off = f->f_pos;
  }
  std::memcpy(previous + offsetof(linux_dirent64, d_off), &last_off, sizeof last_off);
  return static_cast<long>(count - left);
}

}  // namespace

long sys_getdents64(vfs_task& t, int fd, void* dirp, size_t count) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::getdents, &t);
  long r = to_syscall_result(do_getdents64(t, fd, dirp, count));
  if (e.recording()) {
    e->fd = fd;
    e->count = count;
    if (r > 0) e->data = std::string_view(static_cast<const char*>(dirp), static_cast<size_t>(r));
  }
  return e.done(r);
}

}  // namespace uk
