// The VFS instance: filesystem registry and the mount table (fs/super.c,
// fs/filesystems.c, fs/namespace.c).
#include "vfs/vfs.h"

#include <sys/mount.h>

#include "vfs/dentry.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/ramfs/ramfs.h"
#include "vfs/super.h"

namespace uk {

vfs::vfs() {
  auto rootfs = std::make_unique<ramfs_type>("rootfs");
  auto sb = rootfs->get_sb(0, "rootfs", nullptr);
  UK_CHECK(sb.ok());
  sb.value()->s_active = 1;
  root_mnt_ = std::make_shared<vfsmount>();
  root_mnt_->mnt_root = sb.value()->s_root;
  root_mnt_->mnt_sb = sb.value();
  root_mnt_->mnt_devname = "rootfs";
  UK_CHECK(register_filesystem(std::move(rootfs)).ok());
  UK_CHECK(register_filesystem(std::make_unique<ramfs_type>()).ok());
  absl::MutexLock l(&dcache_lock);
  mount_list_.push_back(root_mnt_);
}

vfs::~vfs() {
  // Tear the trees down so no dentry cycle (a directory pins its children, which hold
  // their parent) outlives the namespace.
  std::vector<std::shared_ptr<vfsmount>> all;
  {
    absl::MutexLock l(&dcache_lock);
    all = mount_list_;
    mount_hash_.clear();
    mount_list_.clear();
  }
  for (auto& m : all) kill_litter_super(*m->mnt_sb);
}

Errno vfs::register_filesystem(std::unique_ptr<file_system_type> fs) {
  absl::MutexLock l(&fs_types_lock_);
  std::string name = fs->name();
  if (!fs_types_.emplace(name, std::move(fs)).second) return Errno(EBUSY);
  return kOk;
}

file_system_type* vfs::get_fs_type(std::string_view name) {
  absl::MutexLock l(&fs_types_lock_);
  auto it = fs_types_.find(name);
  return it == fs_types_.end() ? nullptr : it->second.get();
}

path vfs::root() { return path{root_mnt_, root_mnt_->mnt_root}; }

std::shared_ptr<vfsmount> vfs::lookup_mnt(const vfsmount* mnt, const dentry* d) {
  absl::MutexLock l(&dcache_lock);
  auto it = mount_hash_.find({mnt, d});
  if (it == mount_hash_.end() || it->second.empty()) return nullptr;
  return it->second.back();
}

std::vector<std::shared_ptr<vfsmount>> vfs::mounts() {
  absl::MutexLock l(&dcache_lock);
  return mount_list_;
}

namespace {
bool is_mount_root(const path& p) { return p.dentry == p.mnt->mnt_root; }
}  // namespace

Errno vfs::do_new_mount(const path& mountpoint, std::string_view type, int flags,
                        std::string_view dev_name, const char* data) {
  file_system_type* fs = get_fs_type(type);
  if (fs == nullptr) return Errno(ENODEV);
  absl::MutexLock ns(&namespace_sem_);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<super_block> sb, fs->get_sb(flags, dev_name, data));
  sb->s_active.fetch_add(1);
  auto m = std::make_shared<vfsmount>();
  m->mnt_parent = mountpoint.mnt;
  m->mnt_mountpoint = mountpoint.dentry;
  m->mnt_root = sb->s_root;
  m->mnt_sb = sb;
  m->mnt_flags = flags;
  m->mnt_devname = std::string(dev_name);
  absl::MutexLock l(&dcache_lock);
  mount_hash_[{mountpoint.mnt.get(), mountpoint.dentry.get()}].push_back(m);
  mountpoint.dentry->d_mounted++;
  mount_list_.push_back(m);
  return kOk;
}

Errno vfs::do_bind_mount(const path& mountpoint, const path& source) {
  absl::MutexLock ns(&namespace_sem_);
  source.mnt->mnt_sb->s_active.fetch_add(1);
  auto m = std::make_shared<vfsmount>();
  m->mnt_parent = mountpoint.mnt;
  m->mnt_mountpoint = mountpoint.dentry;
  m->mnt_root = source.dentry;
  m->mnt_sb = source.mnt->mnt_sb;
  m->mnt_devname = source.mnt->mnt_devname;
  absl::MutexLock l(&dcache_lock);
  mount_hash_[{mountpoint.mnt.get(), mountpoint.dentry.get()}].push_back(m);
  mountpoint.dentry->d_mounted++;
  mount_list_.push_back(m);
  return kOk;
}

Errno vfs::do_remount(const path& mountpoint, int flags, const char* data) {
  if (!is_mount_root(mountpoint)) return Errno(EINVAL);
  absl::MutexLock ns(&namespace_sem_);
  super_block& sb = *mountpoint.mnt->mnt_sb;
  return sb.s_op->remount_fs(sb, &flags, data);
}

Errno vfs::do_umount(const path& mountpoint, int flags) {
  if (!is_mount_root(mountpoint) || !mountpoint.mnt->mnt_parent) return Errno(EINVAL);
  std::shared_ptr<vfsmount> m = mountpoint.mnt;
  {
    absl::MutexLock ns(&namespace_sem_);
    absl::MutexLock l(&dcache_lock);
    if (!(flags & MNT_DETACH)) {
      for (const auto& other : mount_list_) {
        if (other->mnt_parent == m) return Errno(EBUSY);
      }
    }
    auto& stack = mount_hash_[{m->mnt_parent.get(), m->mnt_mountpoint.get()}];
    std::erase(stack, m);
    if (stack.empty()) mount_hash_.erase({m->mnt_parent.get(), m->mnt_mountpoint.get()});
    m->mnt_mountpoint->d_mounted--;
    std::erase(mount_list_, m);
  }
  deactivate_super(*m->mnt_sb);
  return kOk;
}

std::string vfs::d_path(const path& p) {
  std::string out;
  path cur = p;
  absl::MutexLock l(&dcache_lock);
  while (true) {
    if (cur.dentry == cur.mnt->mnt_root) {
      if (!cur.mnt->mnt_parent) break;
      cur = path{cur.mnt->mnt_parent, cur.mnt->mnt_mountpoint};
      continue;
    }
    if (!cur.dentry->d_parent) break;
    out = "/" + cur.dentry->d_name + out;
    cur.dentry = cur.dentry->d_parent;
  }
  if (out.empty()) out = "/";
  if (p.dentry->d_deleted) out += " (deleted)";
  return out;
}

}  // namespace uk
