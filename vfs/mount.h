// struct vfsmount: one mount of a super_block at a place in the tree.
//
// Ownership: a vfsmount holds its parent mount, its mount point and its root dentry
// and its super_block. The vfs's mount table holds every vfsmount.
//
// mnt_parent, mnt_mountpoint, mnt_root, mnt_sb and mnt_devname do not change once the
// mount is attached (an unmounted vfsmount keeps them; mnt_ns tells it is detached).
// mnt_flags changes only under the vfs's namespace lock (remount).
#pragma once

#include <memory>
#include <string>

#include "vfs/types.h"

namespace uk {

// Per-mount flags (include/linux/mount.h), split from the MS_* flags by mount(2).
enum : int {
  MNT_NOSUID = 0x01,
  MNT_NODEV = 0x02,
  MNT_NOEXEC = 0x04,
  MNT_NOATIME = 0x08,
  MNT_NODIRATIME = 0x10,
  MNT_RELATIME = 0x20,
  // Today's per-mount read-only bit (2.6.26+): MS_RDONLY marks the mount as well as a
  // new super_block, so /proc/self/mountinfo tells a read-only mount from a read-only
  // super_block (one made read-only by the `ro` mount option of the cgroup flavour).
  MNT_READONLY = 0x40,
};

struct vfsmount {
  std::shared_ptr<vfsmount> mnt_parent;    // null for the namespace root
  std::shared_ptr<dentry> mnt_mountpoint;  // in mnt_parent
  std::shared_ptr<dentry> mnt_root;
  std::shared_ptr<super_block> mnt_sb;
  int mnt_flags = 0;        // MNT_*
  std::string mnt_devname;  // the source string given to mount, shown in /proc/mounts
  // The namespace it is attached to; null once unmounted (Linux's mnt_ns, which
  // check_mnt() compares). Guarded by that vfs's dcache_lock.
  vfs* mnt_ns = nullptr;
};

}  // namespace uk
