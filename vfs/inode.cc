// Inodes: the default inode_operations (what Linux answers when an op is missing),
// attributes (fs/attr.c), stat (fs/stat.c generic_fillattr) and access checks
// (fs/namei.c permission/generic_permission).
#include "vfs/inode.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "vfs/dentry.h"
#include "vfs/internal.h"
#include "vfs/super.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

// simple_lookup(): in-memory filesystems keep every name in the dcache, so a miss
// means the name does not exist.
ErrorOr<std::shared_ptr<inode>> inode_operations::lookup(inode& dir, std::string_view name) const {
  if (name.size() > NAME_MAX) return Errno(ENAMETOOLONG);
  return Errno(ENOENT);
}
// vfs_mkdir/vfs_rmdir/vfs_unlink/vfs_rename: "if (!dir->i_op->mkdir) return -EPERM".
Errno inode_operations::mkdir(inode& dir, dentry& child, umode_t mode) const {
  return Errno(EPERM);
}
Errno inode_operations::rmdir(inode& dir, dentry& child) const { return Errno(EPERM); }
// vfs_create: "return -EACCES; /* shouldn't it be ENOSYS? */".
Errno inode_operations::create(inode& dir, dentry& child, umode_t mode) const {
  return Errno(EACCES);
}
Errno inode_operations::unlink(inode& dir, dentry& child) const { return Errno(EPERM); }
Errno inode_operations::rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
                               dentry& new_dentry) const {
  return Errno(EPERM);
}
// notify_change() without i_op->setattr: inode_setattr.
Errno inode_operations::setattr(dentry& d, const iattr& attr) const {
  inode_setattr(*d.d_inode, attr);
  return kOk;
}

void lock_nested(absl::Mutex& mu) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (int spins = 0; !mu.TryLock(); ++spins) {
    if (spins < 64) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
}

const inode_operations& i_op_of(const inode& i) {
  static const inode_operations defaults;
  return i.i_op ? *i.i_op : defaults;
}

struct timespec current_fs_time(const super_block* sb) {
  vfs* v = sb != nullptr && sb->s_type != nullptr ? sb->s_type->fs_vfs() : nullptr;
  return v != nullptr ? v->current_time() : timespec{};
}

void inode_setattr(inode& i, const iattr& attr) {
  if (attr.ia_valid & iattr::ATTR_UID) i.i_uid = attr.ia_uid;
  if (attr.ia_valid & iattr::ATTR_GID) i.i_gid = attr.ia_gid;
  if (attr.ia_valid & iattr::ATTR_SIZE) i.i_size = attr.ia_size;
  if (attr.ia_valid & iattr::ATTR_MODE) {
    i.i_mode = (i.i_mode & S_IFMT) | (attr.ia_mode & S_IALLUGO);
  }
  if (attr.ia_valid & (iattr::ATTR_ATIME | iattr::ATTR_MTIME | iattr::ATTR_CTIME)) {
    struct timespec now = current_fs_time(i.i_sb);
    if (attr.ia_valid & iattr::ATTR_ATIME) {
      i.i_atime = (attr.ia_valid & iattr::ATTR_ATIME_SET) ? attr.ia_atime : now;
    }
    if (attr.ia_valid & iattr::ATTR_MTIME) {
      i.i_mtime = (attr.ia_valid & iattr::ATTR_MTIME_SET) ? attr.ia_mtime : now;
    }
    if (attr.ia_valid & iattr::ATTR_CTIME) i.i_ctime = now;
  }
}

// 2.6.24 fs/attr.c inode_change_ok(), with capable() = root.
Errno inode_change_ok(const inode& i, iattr& attr, const vfs_task& t) {
  unsigned valid = attr.ia_valid;
  // chown: only to the same uid unless root.
  if ((valid & iattr::ATTR_UID) && (t.fsuid != i.i_uid || attr.ia_uid != i.i_uid) && !t.capable()) {
    return Errno(EPERM);
  }
  // chgrp: the owner, to a group it is in (or the file's own), unless root.
  if ((valid & iattr::ATTR_GID) &&
      (t.fsuid != i.i_uid || (!t.in_group_p(attr.ia_gid) && attr.ia_gid != i.i_gid)) &&
      !t.capable()) {
    return Errno(EPERM);
  }
  if (valid & iattr::ATTR_MODE) {
    if (t.fsuid != i.i_uid && !t.capable()) return Errno(EPERM);
    // "Also check the setgid bit!"
    gid_t g = (valid & iattr::ATTR_GID) ? attr.ia_gid : i.i_gid;
    if (!t.in_group_p(g) && !t.capable()) attr.ia_mode &= ~S_ISGID;
  }
  // Given times: the owner or root ("Check for setting the inode time"; today's
  // setattr_prepare counts ATTR_TIMES_SET too, which 2.6.26 added).
  if ((valid & (iattr::ATTR_ATIME_SET | iattr::ATTR_MTIME_SET | iattr::ATTR_TIMES_SET)) &&
      t.fsuid != i.i_uid && !t.capable()) {
    return Errno(EPERM);
  }
  return kOk;
}

void generic_fillattr(const inode& i, struct stat* st) {
  std::memset(st, 0, sizeof *st);
  st->st_dev = i.i_sb ? i.i_sb->s_dev : 0;
  st->st_ino = i.i_ino;
  st->st_mode = i.i_mode;
  st->st_nlink = i.i_nlink;
  st->st_uid = i.i_uid;
  st->st_gid = i.i_gid;
  st->st_rdev = 0;
  st->st_size = i.i_size;
  st->st_atim = i.i_atime;
  st->st_mtim = i.i_mtime;
  st->st_ctim = i.i_ctime;
  st->st_blksize = 4096;
  // In-memory filesystems hold whole pages: 8 sectors of 512 bytes per page.
  st->st_blocks = (i.i_size + 4095) / 4096 * 8;
}

bool is_rdonly(const inode& i) { return i.i_sb != nullptr && (i.i_sb->s_flags & MS_RDONLY); }

namespace {
// 2.6.24 generic_permission() without ACLs; capable() is euid 0.
Errno generic_permission(const inode& i, int mask, const vfs_task& t) {
  umode_t mode = i.i_mode;
  if (t.fsuid == i.i_uid) {
    mode >>= 6;
  } else if (t.in_group_p(i.i_gid)) {
    mode >>= 3;
  }
  if ((mode & mask & (MAY_READ | MAY_WRITE | MAY_EXEC)) == mask) return kOk;
  // Read/write DACs are always overridable; executable DACs only if at least one
  // exec bit is set (CAP_DAC_OVERRIDE). CAP_DAC_READ_SEARCH adds nothing for root.
  if (!(mask & MAY_EXEC) || (i.i_mode & S_IXUGO) || S_ISDIR(i.i_mode)) {
    if (t.capable()) return kOk;
  }
  return Errno(EACCES);
}
}  // namespace

// 2.6.24 permission(): EROFS for writes to a read-only filesystem first.
Errno permission(const inode& i, int mask, const vfs_task& t) {
  if ((mask & MAY_WRITE) && is_rdonly(i) &&
      (S_ISREG(i.i_mode) || S_ISDIR(i.i_mode) || S_ISLNK(i.i_mode))) {
    return Errno(EROFS);
  }
  return generic_permission(i, mask, t);
}

}  // namespace uk
