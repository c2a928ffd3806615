// The VFS instance: filesystem type registry, mount table (one mount namespace) and
// the dcache lock. The kernel's globals are members here, so every test builds a
// fresh one.
//
// Lock order (outer first), as in 2.6.24 fs/:
//   vfs::namespace_sem            (mount table changes; namespace_sem)
//     vfs::rename_mutex           (s_vfs_rename_mutex; rename only)
//       inode::i_mutex            (parent directory before child)
//         <filesystem locks>      (e.g. kernel::container_mutex)
//           vfs::dcache_lock      (dentry tree links; never held across a callback)
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "vfs/errno.h"
#include "vfs/path.h"
#include "vfs/types.h"

namespace uk {

class vfs {
 public:
  // Creates the namespace with an in-memory root filesystem ("rootfs") mounted at "/".
  vfs();
  ~vfs();
  vfs(const vfs&) = delete;
  vfs& operator=(const vfs&) = delete;

  // register_filesystem / unregister_filesystem: EBUSY if the name is taken.
  Errno register_filesystem(std::unique_ptr<file_system_type> fs);
  file_system_type* get_fs_type(std::string_view name);  // null if unknown

  // The namespace root ("/" of a new task).
  path root();

  // Mount table operations used by the mount/umount system calls (fs/namespace.c).
  // do_new_mount: ENODEV for an unknown type; the driver's errors otherwise.
  Errno do_new_mount(const path& mountpoint, std::string_view type, int flags,
                     std::string_view dev_name, const char* data);
  // do_remount: EINVAL unless `mountpoint` is the root of a mount.
  // A second mount of `source`'s dentry (MS_BIND).
  Errno do_bind_mount(const path& mountpoint, const path& source);
  Errno do_remount(const path& mountpoint, int flags, const char* data);
  // do_umount: EINVAL unless the root of a mount; EBUSY if something is mounted below
  // it or (without MNT_DETACH) a file is open on it... (files are not tracked: open
  // files keep their super_block alive, so umount never fails for them here).
  Errno do_umount(const path& mountpoint, int flags);

  // The mount stacked on (mnt, dentry), or null (lookup_mnt).
  std::shared_ptr<vfsmount> lookup_mnt(const vfsmount* mnt, const dentry* d);
  // Every mount in mount order (for /proc/mounts).
  std::vector<std::shared_ptr<vfsmount>> mounts();
  // "/a/b" of a path in this namespace (d_path); "(deleted)" suffix rules of Linux.
  std::string d_path(const path& p);

  absl::Mutex dcache_lock;

 private:
  absl::Mutex namespace_sem_;
  absl::Mutex fs_types_lock_;
  std::map<std::string, std::unique_ptr<file_system_type>, std::less<>> fs_types_
      ABSL_GUARDED_BY(fs_types_lock_);
  std::shared_ptr<vfsmount> root_mnt_;
  // (parent mount, mount point) -> mounts stacked there, newest last.
  std::map<std::pair<const vfsmount*, const dentry*>, std::vector<std::shared_ptr<vfsmount>>>
      mount_hash_ ABSL_GUARDED_BY(dcache_lock);
  std::vector<std::shared_ptr<vfsmount>> mount_list_ ABSL_GUARDED_BY(dcache_lock);

 public:
  absl::Mutex rename_mutex;
};

}  // namespace uk
