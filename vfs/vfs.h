// The VFS instance: filesystem type registry, mount table (one mount namespace) and
// the dcache lock. The kernel's globals are members here, so every test builds a
// fresh one.
//
// Lock order (outer first), as in 2.6.24 fs/:
//   file::f_pos_lock              (one open file's position: read/write/llseek/readdir)
//   vfs::namespace_sem            (mount table changes; namespace_sem)
//     vfs::rename_mutex           (s_vfs_rename_mutex; rename only)
//       inode::i_mutex            (parent directory before child; f_pos_lock before it;
//                                  a second i_mutex is taken by lock_nested(), see
//                                  vfs/internal.h, as the order between two
//                                  directories changes with renames)
//         <filesystem locks>      (e.g. kernel::container_mutex)
//           vfs::dcache_lock      (dentry tree links and the mount table; never held
//                                  across a callback or while a dentry dies)
// fs_struct::lock and files_struct::file_lock are leaves: held only to copy or swap
// pointers, never across another lock, a callback or the release of a file.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "vfs/clock.h"
#include "vfs/entry_recorder.h"
#include "vfs/errno.h"
#include "vfs/path.h"
#include "vfs/types.h"

namespace uk {

class vfs {
 public:
  // Creates the namespace with an in-memory root filesystem ("rootfs") mounted at "/",
  // and registers the "rootfs" and "ramfs" types. `clock` (which must outlive this;
  // null: time stands at 0) dates the inodes of every filesystem registered here.
  explicit vfs(clock_source* clock = nullptr);
  // Unmounts everything without calling any driver (the owner of a filesystem's state,
  // the kernel, may have torn it down before): drops the dcache pins of every mounted
  // tree (kill_litter_super), newest mount first, so no dentry cycle outlives the
  // namespace, and unlinks those super_blocks from this vfs (s_vfs). s_active is left
  // alone and kill_sb is not called; registered file_system_types die here. Tasks
  // using this namespace must be gone.
  ~vfs();
  vfs(const vfs&) = delete;
  vfs& operator=(const vfs&) = delete;

  // register_filesystem / unregister_filesystem: EBUSY if the name is taken.
  Errno register_filesystem(std::unique_ptr<file_system_type> fs);
  file_system_type* get_fs_type(std::string_view name);  // null if unknown

  // The namespace root ("/" of a new task): rootfs's root, not following mounts on it.
  path root();

  // Mount table operations used by the mount/umount system calls (fs/namespace.c).
  // The capability checks (EPERM) are the system calls'; these check the rest.
  //
  // do_new_mount (do_kern_mount + do_add_mount): ENODEV for an unknown type; the
  // driver's get_sb errors unchanged; then, on the topmost mount at `mountpoint`:
  // EINVAL if that is not in this namespace, EBUSY if the same super_block is already
  // mounted right there, EINVAL for a MS_NOUSER super_block (rootfs), ENOTDIR if
  // exactly one of mount point and new root is a directory, ENOENT if the mount point
  // was removed. `flags` may hold per-mount MS_* flags: they become mnt_flags and
  // get_sb does not see them. Takes one s_active reference (dropped again on error).
  Errno do_new_mount(const path& mountpoint, std::string_view type, int flags,
                     std::string_view dev_name, const char* data);
  // A second mount of `source`'s dentry (MS_BIND, do_loopback; not recursive): EINVAL
  // if either is not in this namespace, then graft_tree's errors as above. s_active +1.
  Errno do_bind_mount(const path& mountpoint, const path& source);
  // do_remount: EINVAL unless `mountpoint` is the root of a mount in this namespace;
  // then super_operations::remount_fs, and the MS_RDONLY|MS_SYNCHRONOUS|MS_MANDLOCK
  // bits of s_flags and the mount's mnt_flags change.
  Errno do_remount(const path& mountpoint, int flags, const char* data);
  // do_umount: EINVAL unless the root of a mount in this namespace (the namespace root
  // itself is EINVAL too); EBUSY if another mount sits below it, unless MNT_DETACH,
  // which unmounts that whole subtree. Open files are not tracked: they keep their
  // super_block alive, so umount never fails for them here. Each unmounted vfsmount
  // drops its s_active reference (deactivate_super: kill_sb at zero).
  Errno do_umount(const path& mountpoint, int flags);

  // The mount stacked on (mnt, dentry), or null (lookup_mnt).
  std::shared_ptr<vfsmount> lookup_mnt(const vfsmount* mnt, const dentry* d);
  // Every mount in mount order (for /proc/mounts).
  std::vector<std::shared_ptr<vfsmount>> mounts();
  // "/a/b" of a path in this namespace (d_path); "(deleted)" suffix rules of Linux.
  std::string d_path(const path& p);
  // __d_path: the name of `p` seen from `root` (a task's root), as getcwd and
  // /proc/<pid>/... show it; ENAMETOOLONG if it needs more than `buflen` bytes with
  // its NUL. A path outside `root` is named from its namespace (or detached mount)
  // root.
  ErrorOr<std::string> d_path(const path& p, const path& root, size_t buflen);
  // check_mnt(): is `mnt` attached to this namespace?
  bool check_mnt(const vfsmount& mnt);

  absl::Mutex dcache_lock;

  // The recording seam (vfs/entry_recorder.h) the system calls report to, or null. Set
  // once by the owner after its own boot-time calls and before any other thread uses
  // this namespace (uk's kernel constructor), never changed: read without a lock.
  void set_recorder(entry_recorder* r) { recorder_ = r; }
  entry_recorder* recorder() const { return recorder_; }

  // CURRENT_TIME: the clock's realtime (current_fs_time() of vfs/inode.h), through the
  // recorder (input_kind::realtime) when there is one.
  struct timespec current_time();

 private:
  Errno do_add_mount(const std::shared_ptr<vfsmount>& mnt, const path& mountpoint, int mnt_flags);
  Errno graft_tree(const std::shared_ptr<vfsmount>& mnt, const path& mountpoint)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(namespace_sem_);

  absl::Mutex namespace_sem_;
  absl::Mutex fs_types_lock_;
  std::map<std::string, std::unique_ptr<file_system_type>, std::less<>> fs_types_
      ABSL_GUARDED_BY(fs_types_lock_);
  std::shared_ptr<vfsmount> root_mnt_;
  // (parent mount, mount point) -> mounts stacked there, newest last.
  std::map<std::pair<const vfsmount*, const dentry*>, std::vector<std::shared_ptr<vfsmount>>>
      mount_hash_ ABSL_GUARDED_BY(dcache_lock);
  std::vector<std::shared_ptr<vfsmount>> mount_list_ ABSL_GUARDED_BY(dcache_lock);
  entry_recorder* recorder_ = nullptr;
  clock_source* const clock_;  // set at construction, never changed: read without a lock

 public:
  absl::Mutex rename_mutex;
};

}  // namespace uk
