// ramfs (2.6.24 fs/ramfs/inode.c, fs/ramfs/file-mmu.c) with fs/libfs.c's simple_*
// helpers: simple_lookup (the default), simple_rmdir, simple_unlink, simple_rename,
// simple_statfs (the default), dcache_readdir (simple_dir_operations).
#include "vfs/ramfs/ramfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstring>
#include <string>

#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/inode.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

// A regular file's bytes; guarded by the inode's i_mutex (always held by the VFS
// around setattr, by ramfs around read/write). i_size mirrors bytes.size().
struct ramfs_file_data {
  std::string bytes;
};

ramfs_file_data& data_of(const inode& i) {
  return *static_cast<ramfs_file_data*>(i.i_private.get());
}

void touch_dir(inode& dir) { dir.i_mtime = dir.i_ctime = current_fs_time(dir.i_sb); }

class ramfs_dir_inode_operations final : public simple_dir_inode_operations {
 public:
  Errno mkdir(inode& dir, dentry& child, umode_t mode) const override;
  Errno rmdir(inode& dir, dentry& child) const override;
  Errno create(inode& dir, dentry& child, umode_t mode) const override;
  Errno unlink(inode& dir, dentry& child) const override;
  Errno rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
               dentry& new_dentry) const override;
};

class ramfs_file_inode_operations final : public inode_operations {
 public:
  Errno setattr(dentry& d, const iattr& attr) const override;
};

class ramfs_file_operations final : public file_operations {
 public:
  ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override;
  ErrorOr<size_t> write(file& f, const char* buf, size_t count, loff_t* pos) const override;
  Errno fsync(file& f) const override { return kOk; }  // simple_sync_file
};

const ramfs_dir_inode_operations& dir_iops() {
  static const ramfs_dir_inode_operations ops;
  return ops;
}
const ramfs_file_inode_operations& file_iops() {
  static const ramfs_file_inode_operations ops;
  return ops;
}
const simple_dir_operations& dir_fops() {
  static const simple_dir_operations ops;
  return ops;
}
const ramfs_file_operations& file_fops() {
  static const ramfs_file_operations ops;
  return ops;
}

// ramfs_mknod(): a new inode in `dir`; a set-group-ID directory passes on its group
// (and, to directories, the bit itself).
std::shared_ptr<inode> ramfs_mknod(inode& dir, umode_t mode) {
  std::shared_ptr<inode> i = ramfs_get_inode(*dir.i_sb, mode);
  if (dir.i_mode & S_ISGID) {
    i->i_gid = dir.i_gid;
    if (S_ISDIR(mode)) i->i_mode |= S_ISGID;
  }
  touch_dir(dir);
  return i;
}

// ramfs_mkdir(): the new directory's ".." links the parent.
Errno ramfs_dir_inode_operations::mkdir(inode& dir, dentry& child, umode_t mode) const {
  child.d_inode = ramfs_mknod(dir, (mode & ~S_IFMT) | S_IFDIR);
  dir.i_nlink++;
  return kOk;
}

Errno ramfs_dir_inode_operations::create(inode& dir, dentry& child, umode_t mode) const {
  child.d_inode = ramfs_mknod(dir, (mode & ~S_IFMT) | S_IFREG);
  return kOk;
}

// simple_unlink(): one link less (the pin goes in the VFS's d_delete).
Errno ramfs_dir_inode_operations::unlink(inode& dir, dentry& child) const {
  inode& i = *child.d_inode;
  i.i_ctime = current_fs_time(i.i_sb);
  touch_dir(dir);
  if (i.i_nlink > 0) i.i_nlink--;
  return kOk;
}

// simple_rmdir(): only an empty directory goes.
Errno ramfs_dir_inode_operations::rmdir(inode& dir, dentry& child) const {
  if (!simple_empty(child)) return Errno(ENOTEMPTY);
  inode& i = *child.d_inode;
  if (i.i_nlink > 0) i.i_nlink--;  // its "."
  UK_TRY(unlink(dir, child));
  if (dir.i_nlink > 0) dir.i_nlink--;  // its ".."
  return kOk;
}

// simple_rename(): a directory may replace only an empty one (the VFS already refused
// a directory over a file and the other way round).
Errno ramfs_dir_inode_operations::rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
                                         dentry& new_dentry) const {
  bool they_are_dirs = old_dentry.d_inode->is_dir();
  if (!simple_empty(new_dentry)) return Errno(ENOTEMPTY);
  if (new_dentry.d_inode) {
    inode& target = *new_dentry.d_inode;
    if (they_are_dirs && target.i_nlink > 0) target.i_nlink--;
    UK_TRY(unlink(new_dir, new_dentry));
    if (they_are_dirs && old_dir.i_nlink > 0) old_dir.i_nlink--;
  } else if (they_are_dirs) {
    if (old_dir.i_nlink > 0) old_dir.i_nlink--;
    new_dir.i_nlink++;
  }
  touch_dir(old_dir);
  touch_dir(new_dir);
  old_dentry.d_inode->i_ctime = current_fs_time(old_dentry.d_inode->i_sb);
  return kOk;
}

// simple_setattr() with vmtruncate() for ATTR_SIZE.
Errno ramfs_file_inode_operations::setattr(dentry& d, const iattr& attr) const {
  inode& i = *d.d_inode;
  if (attr.ia_valid & iattr::ATTR_SIZE) {
    if (attr.ia_size < 0) return Errno(EINVAL);
    if (attr.ia_size > RAMFS_MAX_BYTES) return Errno(EFBIG);
    data_of(i).bytes.resize(static_cast<size_t>(attr.ia_size));
  }
  inode_setattr(i, attr);
  return kOk;
}

ErrorOr<size_t> ramfs_file_operations::read(file& f, char* buf, size_t count, loff_t* pos) const {
  inode& i = *f.f_inode;
  absl::MutexLock l(&i.i_mutex);
  return simple_read_from_buffer(buf, count, pos, data_of(i).bytes);
}

// generic_file_aio_write(): O_APPEND writes at the end; generic_write_checks() says
// EFBIG at the size limit and shortens a write that would cross it.
ErrorOr<size_t> ramfs_file_operations::write(file& f, const char* buf, size_t count,
                                             loff_t* pos) const {
  inode& i = *f.f_inode;
  absl::MutexLock l(&i.i_mutex);
  std::string& bytes = data_of(i).bytes;
  loff_t p = (f.f_flags & O_APPEND) ? static_cast<loff_t>(bytes.size()) : *pos;
  if (p >= RAMFS_MAX_BYTES) {
    if (count != 0 || p > RAMFS_MAX_BYTES) return Errno(EFBIG);
  }
  if (static_cast<loff_t>(count) > RAMFS_MAX_BYTES - p) count = RAMFS_MAX_BYTES - p;
  *pos = p;
  if (count == 0) return size_t{0};
  size_t end = static_cast<size_t>(p) + count;
  if (end > bytes.size()) bytes.resize(end);
  std::memcpy(bytes.data() + p, buf, count);
  *pos = static_cast<loff_t>(end);
  i.i_size = static_cast<loff_t>(bytes.size());
  i.i_mtime = i.i_ctime = current_fs_time(i.i_sb);
  return count;
}

}  // namespace

std::shared_ptr<inode> ramfs_get_inode(super_block& sb, umode_t mode) {
  auto i = std::make_shared<inode>();
  i->i_ino = sb.get_next_ino();
  i->i_mode = mode;
  i->i_sb = &sb;
  if (const vfs_task* t = current()) {
    i->i_uid = t->fsuid;
    i->i_gid = t->fsgid;
  }
  i->i_atime = i->i_mtime = i->i_ctime = current_fs_time(&sb);
  switch (mode & S_IFMT) {
    case S_IFDIR:
      i->i_op = &dir_iops();
      i->i_fop = &dir_fops();
      i->i_nlink = 2;  // "." and its name in the parent
      break;
    case S_IFREG:
      i->i_op = &file_iops();
      i->i_fop = &file_fops();
      i->i_private = std::make_shared<ramfs_file_data>();
      break;
    default:
      break;  // no device nodes, fifos or symlinks here
  }
  return i;
}

// get_sb_nodev(ramfs_fill_super): a fresh filesystem per mount.
ErrorOr<std::shared_ptr<super_block>> ramfs_type::get_sb(int flags, std::string_view dev_name,
                                                         const char* data) {
  auto sb = std::make_shared<super_block>();
  sb->s_type = this;
  sb->s_magic = RAMFS_MAGIC;
  sb->s_flags = static_cast<unsigned int>(flags);
  if (name() == "rootfs") sb->s_flags |= MS_NOUSER;  // rootfs_get_sb()
  sb->s_root = d_alloc_root(ramfs_get_inode(*sb, S_IFDIR | 0755), sb.get());
  return sb;
}

}  // namespace uk
