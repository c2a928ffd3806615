// The vfs object: the filesystem type registry (fs/filesystems.c) and the namespace's
// birth and death (fs/namespace.c init_mount_tree; teardown has no 2.6.24 counterpart:
// namespaces there die with their last task, ours with the owner of this object).
#include "vfs/vfs.h"

#include <algorithm>
#include <optional>

#include "vfs/dentry.h"
#include "vfs/internal.h"
#include "vfs/mount.h"
#include "vfs/ramfs/ramfs.h"
#include "vfs/super.h"

namespace uk {

vfs::vfs(clock_source* clock) : clock_(clock) {
  UK_CHECK(register_filesystem(std::make_unique<ramfs_type>("rootfs")).ok());
  UK_CHECK(register_filesystem(std::make_unique<ramfs_type>("ramfs")).ok());
  // init_mount_tree(): do_kern_mount("rootfs", 0, "rootfs", NULL) becomes the
  // namespace root.
  ErrorOr<std::shared_ptr<super_block>> sb = get_fs_type("rootfs")->get_sb(0, "rootfs", nullptr);
  UK_CHECK(sb.ok());
  sb.value()->s_vfs.store(this, std::memory_order_release);
  sb.value()->s_active.fetch_add(1);
  auto mnt = std::make_shared<vfsmount>();
  mnt->mnt_sb = sb.value();
  mnt->mnt_root = sb.value()->s_root;
  mnt->mnt_devname = "rootfs";
  mnt->mnt_ns = this;
  root_mnt_ = mnt;
  absl::MutexLock l(&dcache_lock);
  mount_list_.push_back(std::move(mnt));
}

vfs::~vfs() {
  std::vector<std::shared_ptr<vfsmount>> all;
  {
    absl::MutexLock ns(&namespace_sem_);
    absl::MutexLock l(&dcache_lock);
    all.swap(mount_list_);
    mount_hash_.clear();
    for (const auto& m : all) {
      m->mnt_ns = nullptr;
      if (m->mnt_mountpoint) m->mnt_mountpoint->d_mounted--;
    }
  }
  // No driver is called: the kernel owning a filesystem's state may have torn it down
  // already (its members die before ours). Only the VFS's half goes: the dcache pins
  // of every mounted tree, so no dentry cycle outlives the namespace, and the link to
  // our dcache_lock, which dies with us.
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    super_block& sb = *(*it)->mnt_sb;
    kill_litter_super(sb);
    sb.s_vfs.store(nullptr, std::memory_order_release);
  }
}

Errno vfs::register_filesystem(std::unique_ptr<file_system_type> fs) {
  UK_CHECK(fs != nullptr);
  absl::MutexLock l(&fs_types_lock_);
  std::string name = fs->name();
  fs->fs_vfs_ = this;
  if (!fs_types_.try_emplace(std::move(name), std::move(fs)).second) return Errno(EBUSY);
  return kOk;
}

// Through the recording seam once the owner set one (replayed: the recorded reading).
struct timespec vfs::current_time() {
  auto live = [this] {
    return std::optional<uint64_t>(clock_ != nullptr ? clock_->realtime_ns() : 0);
  };
  std::optional<uint64_t> ns =
      recorder_ != nullptr ? recorder_->input(input_kind::realtime, 0, live) : live();
  return ns_timespec(ns.value_or(0));
}

file_system_type* vfs::get_fs_type(std::string_view name) {
  absl::MutexLock l(&fs_types_lock_);
  auto it = fs_types_.find(name);
  return it == fs_types_.end() ? nullptr : it->second.get();
}

path vfs::root() { return path{root_mnt_, root_mnt_->mnt_root}; }

}  // namespace uk
