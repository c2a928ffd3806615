// struct inode and inode_operations (include/linux/fs.h).
//
// Ownership: an inode is held by the dentries that name it (dentry::d_inode) and by
// the files open on it (file::f_inode); its driver data is i_private.
//
// Locking: i_mutex serialises changes of a directory's names (the VFS holds the
// parent's around lookup-on-miss, mkdir, create, rmdir, unlink, rename) and of an
// inode's attributes (chmod, chown, O_TRUNC: notify_change) and size (ramfs reads and
// writes). The attribute fields are written under it; the VFS reads i_mode, i_uid and
// i_gid for permission checks without it, as Linux does.
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "vfs/errno.h"
#include "vfs/types.h"

namespace uk {

// Attribute change for chmod/chown, truncation and utimes (struct iattr). ATTR_ATIME,
// ATTR_MTIME and ATTR_CTIME set that time to now, or with ATTR_ATIME_SET/ATTR_MTIME_SET
// to ia_atime/ia_mtime.
struct iattr {
  enum : unsigned {
    ATTR_MODE = 1,
    ATTR_UID = 2,
    ATTR_GID = 4,
    ATTR_SIZE = 8,  // truncate to ia_size (O_TRUNC, truncate, ftruncate: do_truncate)
    ATTR_MTIME = 16,
    ATTR_CTIME = 32,
    ATTR_ATIME = 64,
    ATTR_ATIME_SET = 128,
    ATTR_MTIME_SET = 256,
    ATTR_TIMES_SET = 512,  // utimensat with times given, even UTIME_NOW and UTIME_OMIT
  };
  unsigned ia_valid = 0;
  umode_t ia_mode = 0;
  uid_t ia_uid = 0;
  gid_t ia_gid = 0;
  loff_t ia_size = 0;
  struct timespec ia_atime = {}, ia_mtime = {};
};

struct inode {
  unsigned long i_ino = 0;
  umode_t i_mode = 0;
  uid_t i_uid = 0;
  gid_t i_gid = 0;
  unsigned int i_nlink = 1;
  loff_t i_size = 0;
  struct timespec i_atime {
  }, i_mtime{}, i_ctime{};
  // Extended attributes (simple_xattrs, under i_mutex), where the super_block keeps them
  // (s_simple_xattrs); ordered as kernfs lists them, by name descending.
  std::map<std::string, std::string, std::greater<>> i_xattrs;

  const inode_operations* i_op = nullptr;
  const file_operations* i_fop = nullptr;
  super_block* i_sb = nullptr;      // the super_block outlives its inodes (kill_sb frees the tree)
  std::shared_ptr<void> i_private;  // driver data, e.g. the container of a directory

  // Held by the VFS around directory-modifying operations and lookups of this
  // directory (parent before child; rename takes vfs::rename_mutex first).
  absl::Mutex i_mutex;

  bool is_dir() const { return S_ISDIR(i_mode); }
};

// Directory operations of a filesystem. The VFS has already checked existence,
// permission, name length and type; a driver implements only what differs. Missing
// operations answer with the errno Linux gives when the op is absent. Every call runs
// with `current` set to the calling task and never with vfs::dcache_lock held.
class inode_operations {
 public:
  virtual ~inode_operations() = default;

  // Called on a dcache miss, with dir.i_mutex held by the path walk (not by direct
  // lookup_one() callers). Returns the inode named `name` in `dir`, or ENOENT.
  // The result is cached weakly by the VFS (pinned children never miss). The VFS has
  // already answered ENAMETOOLONG for names longer than NAME_MAX.
  virtual ErrorOr<std::shared_ptr<inode>> lookup(inode& dir, std::string_view name) const;
  // With dir.i_mutex held. On success the driver has set child.d_inode; the VFS then
  // pins `child` in the parent (ramfs-style: a directory holds its children until
  // rmdir/unlink). `mode` is already masked: umask and S_IRWXUGO|S_ISVTX (vfs_mkdir).
  virtual Errno mkdir(inode& dir, dentry& child, umode_t mode) const;  // EPERM
  // With dir.i_mutex and child's inode's i_mutex held. The VFS does NOT check that
  // the directory is empty (a filesystem that cares, like ramfs, answers ENOTEMPTY
  // itself: simple_empty()); on success it unpins `child`, marks it d_deleted and
  // drops every pin below it (so the files of a container directory go with it).
  virtual Errno rmdir(inode& dir, dentry& child) const;  // EPERM
  // open(O_CREAT) of a missing name, with dir.i_mutex held; `mode` includes S_IFREG.
  // On success the driver has set child.d_inode and the VFS pins `child`.
  virtual Errno create(inode& dir, dentry& child, umode_t mode) const;  // EACCES
  // With dir.i_mutex and child's inode's i_mutex held; on success the VFS unpins.
  virtual Errno unlink(inode& dir, dentry& child) const;  // EPERM
  // Same-filesystem rename, with vfs::rename_mutex (when the parents differ), both
  // parents' i_mutex and a positive target's i_mutex held. The VFS checked the usual
  // errors (ENOENT, EXDEV, EINVAL/ENOTEMPTY for ancestors, ENOTDIR/EISDIR for a
  // type mismatch, permissions, EBUSY for mount points) and passes `new_dentry`
  // positive (an existing target: the driver decides whether it may be replaced,
  // e.g. ENOTEMPTY) or negative. On success the VFS moves `old_dentry` (d_move).
  virtual Errno rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
                       dentry& new_dentry) const;  // EPERM
  // chmod/chown/O_TRUNC, with d.d_inode->i_mutex held, after the VFS checked the
  // caller may (inode_change_ok); the default copies the attributes (inode_setattr).
  // A filesystem that holds file bytes handles ATTR_SIZE before calling inode_setattr.
  virtual Errno setattr(dentry& d, const iattr& attr) const;
};

// The default directory/file behaviour of in-memory filesystems (fs/libfs.c):
// children live only in the dcache, lookup of anything else is ENOENT.
class simple_dir_inode_operations : public inode_operations {};

// Applies `attr` to the inode (fs/attr.c inode_setattr): mode (file type kept), owner,
// group, i_size for ATTR_SIZE, and the times (now, or the ones given with *_SET).
void inode_setattr(inode& i, const iattr& attr);

// May task `t` make the change `attr` (fs/attr.c inode_change_ok)? EPERM unless:
// chown only by root (or the owner "changing" to the same uid), chgrp by root or by
// the owner to a group it is in (fsgid), chmod and given times (ATTR_*_SET,
// ATTR_TIMES_SET) by root or the owner. A chmod by a non-root caller outside the file's group drops
// S_ISGID (in `attr`).
Errno inode_change_ok(const inode& i, iattr& attr, const vfs_task& t);

// current_fs_time(sb) (2.6.24 kernel/time.c): CURRENT_TIME, for i_atime/i_mtime/i_ctime,
// from the clock of the vfs `sb`'s type is registered with (vfs/clock.h; 0 without).
struct timespec current_fs_time(const super_block* sb);

// Fills a struct stat from an inode (generic_fillattr).
void generic_fillattr(const inode& i, struct stat* st);

// Access check with the caller's fsuid/fsgid (fs/namei.c permission +
// generic_permission); `mask` is MAY_READ | MAY_WRITE | MAY_EXEC. EROFS for MAY_WRITE
// on a file or directory of a read-only (MS_RDONLY) super_block; otherwise EACCES
// unless the owner/group/other bits allow it. Root (euid 0) passes (CAP_DAC_OVERRIDE),
// except MAY_EXEC on a non-directory without any x bit.
enum : int { MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4 };
Errno permission(const inode& i, int mask, const vfs_task& t);

}  // namespace uk
