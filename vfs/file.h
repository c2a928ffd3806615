// struct file (an open file description) and file_operations.
//
// Ownership: a file holds its path (dentry + vfsmount) and its inode; fd slots hold
// files (dup and fork share one). dentry_open() gives each file a deleter that calls
// f_op->release() when the last std::shared_ptr goes (fput -> __fput): close() of the
// last fd, the last of several dup/fork-shared fds, or the files_struct's end. The
// release then runs in whichever thread drops that reference, so `current` may be
// another task or null (a files_struct destroyed outside a system call).
//
// f_pos is guarded by f_pos_lock: sys_read/sys_write call read()/write() with it held
// and pos == &f.f_pos; readdir() and llseek() take it themselves (the defaults do).
// pread/pwrite pass their own position and do not take it. Lock order: f_pos_lock
// before the inode's i_mutex.
#pragma once

#include <fcntl.h>

#include <any>
#include <atomic>
#include <cstdint>
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
  // What poll(2) compares with its driver's count of changes (seq_file::poll_event,
  // kernfs_open_file::event): the count the file's last generating read saw; 0 before
  // one. Atomic: pread runs without f_pos_lock, and poll takes no lock of the file.
  std::atomic<int> f_poll_event{0};
  std::any private_data;  // driver state, e.g. the `tasks` snapshot taken at open

  enum : unsigned int { FMODE_READ = 1, FMODE_WRITE = 2 };
};

// One directory entry for readdir: returns false to stop (buffer full).
using filldir_t =
    std::function<bool(std::string_view name, unsigned long ino, unsigned char d_type)>;

class file_operations {
 public:
  virtual ~file_operations() = default;

  // Called by dentry_open() once the file is set up (f_path, f_inode, f_flags,
  // f_mode); an error fails the open(2) and release() is then not called.
  virtual Errno open(inode& i, file& f) const { return kOk; }
  // Called once, when the last reference to an opened file goes (see above).
  virtual void release(inode& i, file& f) const {}
  // Returns the number of bytes read (0 at end of file) and advances *pos.
  virtual ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const;  // EINVAL
  // Returns the number of bytes written and advances *pos.
  virtual ErrorOr<size_t> write(file& f, const char* buf, size_t count,
                                loff_t* pos) const;  // EINVAL
  // default_llseek: SEEK_SET, SEEK_CUR, SEEK_END (against i_size); EINVAL otherwise or
  // for a negative result. Takes f.f_pos_lock.
  virtual ErrorOr<loff_t> llseek(file& f, loff_t offset, int whence) const;
  // Lists entries from f.f_pos on (f_pos counts entries, "." and ".." first), calling
  // filldir once per entry and advancing f.f_pos by one for each it accepts; stops when
  // filldir returns false. Takes f.f_pos_lock. ENOTDIR by default.
  virtual Errno readdir(file& f, const filldir_t& filldir) const;
  // fsync and fdatasync: EINVAL by default, as for a file without ->fsync (do_fsync).
  virtual Errno fsync(file& f) const { return Errno(EINVAL); }
  // poll(2)'s mask (vfs/poll.h), after poll_wait() on what wakes the poller when it may
  // change; DEFAULT_POLLMASK by default, as for a file without ->poll (vfs_poll).
  virtual unsigned poll(file& f, const poll_table* wait) const;
};

// Directories of in-memory filesystems: "." "..", then the pinned children in name
// order (dcache_readdir; ".." of a filesystem root is the root itself); read() is
// EISDIR; llseek() is dcache_dir_lseek (SEEK_SET/SEEK_CUR only). A directory file
// whose private_data is empty remembers the last name returned there, so entries
// removed between two getdents64 calls do not make it skip others.
//
// A filesystem whose directories list in another order passes `order_key`: the
// children then come sorted by (order_key(name), name), as kernfs lists by name hash.
// fsync succeeds (simple_sync_file) unless `fsync` is false (kernfs's directories have
// no ->fsync, nor have procfs's).
class simple_dir_operations : public file_operations {
 public:
  constexpr simple_dir_operations() = default;
  explicit constexpr simple_dir_operations(uint32_t (*order_key)(std::string_view name),
                                           bool fsync = true)
      : order_key_(order_key), fsync_(fsync) {}
  ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override;
  ErrorOr<loff_t> llseek(file& f, loff_t offset, int whence) const override;
  Errno readdir(file& f, const filldir_t& filldir) const override;
  Errno fsync(file& f) const override { return fsync_ ? kOk : Errno(EINVAL); }

 private:
  uint32_t (*order_key_)(std::string_view name) = nullptr;
  bool fsync_ = true;
};

// Copies from an in-memory buffer at *pos (simple_read_from_buffer).
size_t simple_read_from_buffer(char* to, size_t count, loff_t* pos, std::string_view from);

// Opens the file at `p` (fs/open.c __dentry_open): f_flags = flags, f_mode from the
// access mode, f_op = the inode's i_fop (default operations if null), then
// f_op->open(); O_CREAT, O_EXCL, O_NOCTTY and O_TRUNC are then cleared from f_flags.
// No permission check: open(2) did those (may_open). The result's deleter calls
// release() (see above).
ErrorOr<std::shared_ptr<file>> dentry_open(const path& p, unsigned int flags);

// vfs_read(): a read of `f` at *pos by the kernel itself (read(2) and pread64(2) call it
// after the fd lookup): EBADF unless open for reading, EINVAL for a bad range, else
// f_op->read. The caller holds f.f_pos_lock if pos is &f.f_pos.
ErrorOr<size_t> vfs_read(file& f, char* buf, size_t count, loff_t* pos);

}  // namespace uk
