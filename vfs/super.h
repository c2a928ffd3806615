// super_block, super_operations and file_system_type (include/linux/fs.h).
//
// Ownership: a super_block is held by its vfsmounts and by whatever the driver keeps
// (the container filesystem keeps its hierarchy's). s_active counts the users that keep
// the filesystem alive: +1 per mount, plus any driver pins (the container filesystem
// takes one per child container); when it drops to 0 the VFS calls kill_sb.
#pragma once

#include <sys/statfs.h>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "vfs/errno.h"
#include "vfs/types.h"

namespace uk {

// An anonymous device number (set_anon_super): major 0, a minor no other super_block
// of this process has. Every super_block gets one (s_dev, st_dev).
dev_t new_anon_dev();

struct super_block {
  file_system_type* s_type = nullptr;
  dev_t s_dev = new_anon_dev();
  unsigned long s_magic = 0;
  unsigned long s_flags = 0;  // MS_* at mount
  // Keeps user., trusted. and security. attributes (kernfs_xattr_handlers in s_xattr);
  // without, every name is EOPNOTSUPP (vfs/xattr.cc). Set by get_sb.
  bool s_simple_xattrs = false;
  std::shared_ptr<dentry> s_root;
  const super_operations* s_op = nullptr;
  std::atomic<int> s_active{0};
  std::atomic<unsigned long> s_next_ino{1};
  std::shared_ptr<void> s_fs_info;  // driver data, e.g. the containerfs_root
  // The vfs whose dcache_lock guards this tree: set by the VFS when the super_block is
  // first mounted (a super_block belongs to one vfs). Null before: the tree is then
  // private to the driver building it.
  std::atomic<vfs*> s_vfs{nullptr};

  unsigned long get_next_ino() { return s_next_ino.fetch_add(1); }
};

class super_operations {
 public:
  virtual ~super_operations() = default;
  // simple_statfs by default: f_type = s_magic, f_bsize = 4096, f_namelen = NAME_MAX.
  virtual Errno statfs(dentry& d, struct statfs* buf) const;
  // mount -o remount: `data` may be null (no -o). EINVAL by default? No: Linux accepts
  // a remount of a filesystem without remount_fs; so does the default.
  virtual Errno remount_fs(super_block& sb, int* flags, const char* data) const { return kOk; }
  // Appends ",opt,opt" for /proc/mounts (show_options).
  virtual void show_options(std::string& out, vfsmount& mnt) const {}
};

class file_system_type {
 public:
  explicit file_system_type(std::string name) : name_(std::move(name)) {}
  virtual ~file_system_type() = default;
  const std::string& name() const { return name_; }
  // The vfs this type is registered with (its clock dates the inodes), or null before
  // registration. Set once by register_filesystem, before any get_sb.
  vfs* fs_vfs() const { return fs_vfs_; }

  // get_sb: `data` is the -o string or null. Returns a super_block with s_root set;
  // the VFS takes one s_active reference for the new mount. `flags` are the MS_*
  // flags without the per-mount ones (MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_NOATIME, ...).
  // Called without VFS locks; its errors reach mount(2) unchanged.
  virtual ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                                       const char* data) = 0;
  // Called when s_active drops to zero; the default is kill_litter_super.
  virtual void kill_sb(super_block& sb);

 private:
  friend class vfs;
  std::string name_;
  vfs* fs_vfs_ = nullptr;
};

// Drops one s_active reference; at zero calls s_type->kill_sb (deactivate_super).
// umount calls it for the mount's reference, drivers for their own pins. Call it with
// no VFS lock held (kill_sb is a driver callback). A driver whose get_sb hands out an
// existing super_block must do so under a lock its kill_sb also takes.
void deactivate_super(super_block& sb);
// Drops every pinned dentry of the tree (kill_litter_super / d_genocide) and marks the
// root d_deleted, so nothing can be created in the dead tree through a cwd left in it.
void kill_litter_super(super_block& sb);

}  // namespace uk
