// super_block, super_operations and file_system_type (include/linux/fs.h).
//
// Ownership: a super_block is held by its vfsmounts and by whatever the driver keeps
// (the container filesystem keeps its hierarchy's). s_active counts the users that keep
// the filesystem alive: +1 per mount, plus any driver pins (the container filesystem
// takes one per child container); when it drops to 0 the VFS calls kill_sb.
#pragma once

#include <sys/statfs.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "vfs/errno.h"
#include "vfs/types.h"

namespace uk {

struct super_block {
  file_system_type* s_type = nullptr;
  unsigned long s_magic = 0;
  unsigned long s_flags = 0;  // MS_* at mount
  std::shared_ptr<dentry> s_root;
  const super_operations* s_op = nullptr;
  std::atomic<int> s_active{0};
  std::atomic<unsigned long> s_next_ino{1};
  std::shared_ptr<void> s_fs_info;  // driver data, e.g. the containerfs_root

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

  // get_sb: `data` is the -o string or null. Returns a super_block with s_root set;
  // the VFS takes one s_active reference for the new mount.
  virtual ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                                       const char* data) = 0;
  // Called when s_active drops to zero; the default is kill_litter_super.
  virtual void kill_sb(super_block& sb);

 private:
  std::string name_;
};

// Drops one s_active reference; at zero calls s_type->kill_sb (deactivate_super).
void deactivate_super(super_block& sb);
// Drops every pinned dentry of the tree (kill_litter_super / d_genocide).
void kill_litter_super(super_block& sb);

}  // namespace uk
