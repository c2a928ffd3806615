// Open files: the default file_operations (fs/read_write.c default_llseek, what
// vfs_read/vfs_write/vfs_readdir answer without an op), fs/libfs.c's directory
// operations for in-memory filesystems, and __dentry_open/__fput (fs/open.c,
// fs/file_table.c).
#include "vfs/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "vfs/dentry.h"
#include "vfs/inode.h"
#include "vfs/internal.h"

namespace uk {

// vfs_read/vfs_write: "if (!file->f_op->read) return -EINVAL".
ErrorOr<size_t> file_operations::read(file& f, char* buf, size_t count, loff_t* pos) const {
  return Errno(EINVAL);
}
ErrorOr<size_t> file_operations::write(file& f, const char* buf, size_t count, loff_t* pos) const {
  return Errno(EINVAL);
}

// default_llseek(). The sum is checked: Linux relies on wrap-around giving a negative
// offset, which C++ does not promise.
ErrorOr<loff_t> file_operations::llseek(file& f, loff_t offset, int whence) const {
  absl::MutexLock l(&f.f_pos_lock);
  loff_t base = 0;
  switch (whence) {
    case SEEK_SET:
      break;
    case SEEK_CUR:
      base = f.f_pos;
      break;
    case SEEK_END: {
      absl::MutexLock il(&f.f_inode->i_mutex);
      base = f.f_inode->i_size;
      break;
    }
    default:
      return Errno(EINVAL);
  }
  loff_t pos;
  if (__builtin_add_overflow(base, offset, &pos) || pos < 0) return Errno(EINVAL);
  f.f_pos = pos;
  return pos;
}

// vfs_readdir(): "if (!file->f_op->readdir) goto out" with -ENOTDIR.
Errno file_operations::readdir(file& f, const filldir_t& filldir) const { return Errno(ENOTDIR); }

const file_operations& default_file_operations() {
  static const file_operations defaults;
  return defaults;
}

// generic_read_dir().
ErrorOr<size_t> simple_dir_operations::read(file& f, char* buf, size_t count, loff_t* pos) const {
  return Errno(EISDIR);
}

// dcache_dir_lseek(): SEEK_SET and SEEK_CUR only.
ErrorOr<loff_t> simple_dir_operations::llseek(file& f, loff_t offset, int whence) const {
  absl::MutexLock l(&f.f_pos_lock);
  loff_t pos = offset;
  switch (whence) {
    case SEEK_SET:
      break;
    case SEEK_CUR:
      if (__builtin_add_overflow(f.f_pos, offset, &pos)) return Errno(EINVAL);
      break;
    default:
      return Errno(EINVAL);
  }
  if (pos < 0) return Errno(EINVAL);
  f.f_pos = pos;
  return pos;
}

namespace {

// Where the last dcache_readdir stopped: Linux keeps a cursor dentry in d_subdirs; we
// remember the last name returned and the f_pos after it.
struct dcache_cursor {
  loff_t pos = 0;
  std::string last;
};

unsigned char dt_type(const inode& i) { return static_cast<unsigned char>((i.i_mode >> 12) & 15); }

}  // namespace

// dcache_readdir(): ".", ".." (parent_ino: a filesystem root is its own parent), then
// the pinned positive children in name order.
Errno simple_dir_operations::readdir(file& f, const filldir_t& filldir) const {
  absl::MutexLock l(&f.f_pos_lock);
  dentry& dir = *f.f_path.dentry;
  if (f.f_pos == 0) {
    if (!filldir(".", dir.d_inode->i_ino, DT_DIR)) return kOk;
    f.f_pos = 1;
  }
  if (f.f_pos == 1) {
    unsigned long parent_ino;
    {
      dcache_guard g(dir);
      parent_ino = dir.d_parent ? dir.d_parent->d_inode->i_ino : dir.d_inode->i_ino;
    }
    if (!filldir("..", parent_ino, DT_DIR)) return kOk;
    f.f_pos = 2;
  }
  dcache_cursor* cursor = nullptr;
  if (!f.private_data.has_value()) f.private_data = dcache_cursor{};
  cursor = std::any_cast<dcache_cursor>(&f.private_data);  // null if the driver uses it

  // Entries are copied out under the dcache lock, so that filldir runs without it.
  std::vector<std::pair<std::string, std::shared_ptr<inode>>> entries;
  // Lists `entries` from f_pos on; false once filldir has no room.
  auto emit = [&] {
    for (const auto& [name, i] : entries) {
      if (!filldir(name, i->i_ino, dt_type(*i))) return false;
      ++f.f_pos;
      if (cursor) *cursor = dcache_cursor{f.f_pos, name};
    }
    return true;
  };
  if (order_key_) {
    {
      dcache_guard g(dir);
      for (const auto& [name, d] : dir.d_subdirs) {
        if (d->d_inode) entries.emplace_back(name, d->d_inode);
      }
    }
    auto less = [this](const auto& a, const auto& b) {
      uint32_t ka = order_key_(a.first), kb = order_key_(b.first);
      return ka != kb ? ka < kb : a.first < b.first;
    };
    std::sort(entries.begin(), entries.end(), less);
    auto start = entries.begin();
    if (cursor && cursor->pos == f.f_pos && f.f_pos > 2) {
      std::pair<std::string, std::shared_ptr<inode>> last{cursor->last, nullptr};
      start = std::upper_bound(entries.begin(), entries.end(), last, less);
    } else {
      start += std::min<loff_t>(f.f_pos - 2, static_cast<loff_t>(entries.size()));
    }
    entries.erase(entries.begin(), start);
    emit();
    return kOk;
  }
  // Name order: dcache_readdir() drops dcache_lock around each filldir and goes on from
  // its cursor. Here a batch at a time is taken under the lock, each after the last name
  // listed, so that a call costs what it lists, not what the directory holds.
  constexpr size_t kBatch = 64;
  bool resume = cursor && cursor->pos == f.f_pos && f.f_pos > 2;
  std::string last = resume ? cursor->last : std::string();
  for (bool first = true;; first = false) {
    entries.clear();
    {
      dcache_guard g(dir);
      auto it = dir.d_subdirs.begin();
      if (resume || !first) {
        it = dir.d_subdirs.upper_bound(last);
      } else {
        for (loff_t skip = f.f_pos - 2; skip > 0 && it != dir.d_subdirs.end(); ++it) {
          if (it->second->d_inode) --skip;
        }
      }
      for (; it != dir.d_subdirs.end() && entries.size() < kBatch; ++it) {
        if (it->second->d_inode) entries.emplace_back(it->first, it->second->d_inode);
      }
    }
    if (entries.empty() || !emit()) return kOk;
    last = entries.back().first;
  }
}

size_t simple_read_from_buffer(char* to, size_t count, loff_t* pos, std::string_view from) {
  if (*pos < 0 || static_cast<size_t>(*pos) >= from.size() || count == 0) return 0;
  size_t n = std::min(count, from.size() - static_cast<size_t>(*pos));
  std::memcpy(to, from.data() + *pos, n);
  *pos += static_cast<loff_t>(n);
  return n;
}

namespace {
// __fput(): the last reference to an opened file went.
void fput_final(file* f) {
  f->f_op->release(*f->f_inode, *f);
  delete f;
}
}  // namespace

ErrorOr<std::shared_ptr<file>> dentry_open(const path& p, unsigned int flags) {
  UK_CHECK(p.dentry != nullptr && p.dentry->d_inode != nullptr);
  auto f = std::make_unique<file>();
  f->f_flags = flags;
  // ((flags + 1) & O_ACCMODE): O_RDONLY -> read, O_WRONLY -> write, O_RDWR -> both,
  // 3 -> neither.
  f->f_mode = (flags + 1) & O_ACCMODE;
  f->f_path = p;
  f->f_inode = p.dentry->d_inode;
  f->f_op = f->f_inode->i_fop ? f->f_inode->i_fop : &default_file_operations();
  f->f_pos = 0;
  UK_TRY(f->f_op->open(*f->f_inode, *f));
  f->f_flags &= ~static_cast<unsigned>(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
  std::shared_ptr<file> opened(f.release(), fput_final);
  // No filesystem here has ->direct_IO: O_DIRECT is EINVAL once the open is done (the
  // file is released again), as for any file whose a_ops lack it.
  if (opened->f_flags & O_DIRECT) return Errno(EINVAL);
  return opened;
}

}  // namespace uk
