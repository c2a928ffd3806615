// struct inode and inode_operations (include/linux/fs.h).
//
// Ownership: an inode is held by the dentries that name it (dentry::d_inode) and by
// nothing else; its driver data is i_private.
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <memory>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "vfs/errno.h"
#include "vfs/types.h"

namespace uk {

// Attribute change for chmod/chown (struct iattr).
struct iattr {
  enum : unsigned { ATTR_MODE = 1, ATTR_UID = 2, ATTR_GID = 4 };
  unsigned ia_valid = 0;
  umode_t ia_mode = 0;
  uid_t ia_uid = 0;
  gid_t ia_gid = 0;
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
// operations answer with the errno Linux gives when the op is absent.
class inode_operations {
 public:
  virtual ~inode_operations() = default;

  // Called on a dcache miss. Returns the inode named `name` in `dir`, or ENOENT.
  // The result is cached weakly by the VFS (pinned children never miss).
  virtual ErrorOr<std::shared_ptr<inode>> lookup(inode& dir, std::string_view name) const;
  // On success the driver has set child.d_inode; the VFS then pins `child` in the
  // parent (ramfs-style: a directory holds its children until rmdir/unlink).
  virtual Errno mkdir(inode& dir, dentry& child, umode_t mode) const;   // EPERM
  virtual Errno rmdir(inode& dir, dentry& child) const;                 // EPERM
  virtual Errno create(inode& dir, dentry& child, umode_t mode) const;  // EACCES
  virtual Errno unlink(inode& dir, dentry& child) const;                // EPERM
  // Same-filesystem rename; the VFS checked that the target does not exist or is
  // replaceable, and moves the dentry after success.
  virtual Errno rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
                       dentry& new_dentry) const;  // EPERM
  // chmod/chown; the default copies the attributes (inode_setattr).
  virtual Errno setattr(dentry& d, const iattr& attr) const;
};

// The default directory/file behaviour of in-memory filesystems (fs/libfs.c):
// children live only in the dcache, lookup of anything else is ENOENT.
class simple_dir_inode_operations : public inode_operations {};

// Applies `attr` to the inode (fs/attr.c inode_setattr).
void inode_setattr(inode& i, const iattr& attr);

// Fills a struct stat from an inode (generic_fillattr).
void generic_fillattr(const inode& i, struct stat* st);

// Access check with the caller's fsuid/fsgid (fs/namei.c generic_permission);
// `mask` is MAY_READ | MAY_WRITE | MAY_EXEC. Root passes (CAP_DAC_OVERRIDE).
enum : int { MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4 };
Errno permission(const inode& i, int mask, const vfs_task& t);

}  // namespace uk
