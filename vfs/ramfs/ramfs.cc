// ramfs (fs/ramfs/inode.c, fs/libfs.c simple_* helpers): directories and byte files
// held in memory; a directory pins its children.
#include "vfs/ramfs/ramfs.h"

#include <cstring>
#include <string>

#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/inode.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

struct ramfs_data {
  absl::Mutex lock;
  std::string bytes ABSL_GUARDED_BY(lock);
};

class ramfs_dir_iops final : public inode_operations {
 public:
  Errno mkdir(inode& dir, dentry& child, umode_t mode) const override;
  Errno rmdir(inode& dir, dentry& child) const override;
  Errno create(inode& dir, dentry& child, umode_t mode) const override;
  Errno unlink(inode& dir, dentry& child) const override { return kOk; }
  Errno rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
               dentry& new_dentry) const override;
};

class ramfs_file_fops final : public file_operations {
 public:
  ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override {
    auto* data = static_cast<ramfs_data*>(f.f_inode->i_private.get());
    absl::MutexLock l(&data->lock);
    return simple_read_from_buffer(buf, count, pos, data->bytes);
  }
  ErrorOr<size_t> write(file& f, const char* buf, size_t count, loff_t* pos) const override {
    auto* data = static_cast<ramfs_data*>(f.f_inode->i_private.get());
    absl::MutexLock l(&data->lock);
    if (f.f_flags & O_APPEND) *pos = data->bytes.size();
    if (static_cast<size_t>(*pos) + count > (size_t{1} << 30)) return Errno(EFBIG);
    if (data->bytes.size() < static_cast<size_t>(*pos) + count) data->bytes.resize(*pos + count);
    std::memcpy(data->bytes.data() + *pos, buf, count);
    *pos += count;
    f.f_inode->i_size = data->bytes.size();
    return count;
  }
};

const ramfs_dir_iops dir_iops;
const simple_dir_operations dir_fops;
const ramfs_file_fops file_fops;
const inode_operations file_iops;

std::shared_ptr<inode> ramfs_get_inode(super_block* sb, umode_t mode) {
  auto i = std::make_shared<inode>();
  i->i_ino = sb->get_next_ino();
  i->i_mode = mode;
  i->i_sb = sb;
  if (const vfs_task* t = current()) {
    i->i_uid = t->fsuid;
    i->i_gid = t->fsgid;
  }
  clock_gettime(CLOCK_REALTIME, &i->i_mtime);
  i->i_atime = i->i_ctime = i->i_mtime;
  if (S_ISDIR(mode)) {
    i->i_nlink = 2;
    i->i_op = &dir_iops;
    i->i_fop = &dir_fops;
  } else {
    i->i_op = &file_iops;
    i->i_fop = &file_fops;
    i->i_private = std::make_shared<ramfs_data>();
  }
  return i;
}

Errno ramfs_dir_iops::mkdir(inode& dir, dentry& child, umode_t mode) const {
  child.d_inode = ramfs_get_inode(dir.i_sb, S_IFDIR | mode);
  return kOk;
}

Errno ramfs_dir_iops::create(inode& dir, dentry& child, umode_t mode) const {
  child.d_inode = ramfs_get_inode(dir.i_sb, S_IFREG | mode);
  return kOk;
}

// simple_rmdir(): only an empty directory goes.
Errno ramfs_dir_iops::rmdir(inode& dir, dentry& child) const {
  return child.d_subdirs.empty() ? kOk : Errno(ENOTEMPTY);
}

// simple_rename(): a directory may replace only an empty one.
Errno ramfs_dir_iops::rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
                             dentry& new_dentry) const {
  if (new_dentry.d_inode && new_dentry.d_inode->is_dir() && !new_dentry.d_subdirs.empty()) {
    return Errno(ENOTEMPTY);
  }
  return kOk;
}

}  // namespace

ErrorOr<std::shared_ptr<super_block>> ramfs_type::get_sb(int flags, std::string_view dev_name,
                                                         const char* data) {
  auto sb = std::make_shared<super_block>();
  sb->s_type = this;
  sb->s_magic = RAMFS_MAGIC;
  sb->s_flags = flags;
  static const super_operations sops;
  sb->s_op = &sops;
  sb->s_root = d_alloc_root(ramfs_get_inode(sb.get(), S_IFDIR | 0755), sb.get());
  return sb;
}

}  // namespace uk
