// struct file (an open file description) and file_operations.
//
// Ownership: a file holds its path (dentry + vfsmount); fd slots hold files (dup and
// fork share one). f_pos is guarded by f_pos_lock.
#pragma once

#include <fcntl.h>

#include <any>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "vfs/errno.h"
#include "vfs/path.h"
#include "vfs/types.h"

namespace uk {

struct file {
  path f_path;
  std::shared_ptr<inode> f_inode;  // f_path.dentry->d_inode at open
  const file_operations* f_op = nullptr;
  unsigned int f_flags = 0;  // O_* flags given to open
  unsigned int f_mode = 0;   // FMODE_READ | FMODE_WRITE
  absl::Mutex f_pos_lock;
  loff_t f_pos = 0;
  std::any private_data;  // driver state, e.g. the `tasks` snapshot taken at open

  enum : unsigned int { FMODE_READ = 1, FMODE_WRITE = 2 };
};

// One directory entry for readdir: returns false to stop (buffer full).
using filldir_t =
    std::function<bool(std::string_view name, unsigned long ino, unsigned char d_type)>;

class file_operations {
 public:
  virtual ~file_operations() = default;

  virtual Errno open(inode& i, file& f) const { return kOk; }
  virtual void release(inode& i, file& f) const {}
  // Returns the number of bytes read (0 at end of file) and advances *pos.
  virtual ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const;  // EINVAL
  // Returns the number of bytes written and advances *pos.
  virtual ErrorOr<size_t> write(file& f, const char* buf, size_t count,
                                loff_t* pos) const;  // EINVAL
  // default_llseek: SEEK_SET, SEEK_CUR, SEEK_END (against i_size); EINVAL otherwise or
  // for a negative result.
  virtual ErrorOr<loff_t> llseek(file& f, loff_t offset, int whence) const;
  // Lists entries from f.f_pos on (f_pos counts entries, "." and ".." first);
  // ENOTDIR by default.
  virtual Errno readdir(file& f, const filldir_t& filldir) const;
};

// Directories of in-memory filesystems: "." "..", then the pinned children
// (dcache_readdir); read() is EISDIR.
class simple_dir_operations : public file_operations {
 public:
  ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override;
  Errno readdir(file& f, const filldir_t& filldir) const override;
};

// Copies from an in-memory buffer at *pos (simple_read_from_buffer).
size_t simple_read_from_buffer(char* to, size_t count, loff_t* pos, std::string_view from);

}  // namespace uk
