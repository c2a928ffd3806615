// struct vfsmount: one mount of a super_block at a place in the tree.
//
// Ownership: a vfsmount holds its parent mount, its mount point and its root dentry
// and its super_block. The vfs's mount table holds every vfsmount.
#pragma once

#include <memory>
#include <string>

#include "vfs/types.h"

namespace uk {

struct vfsmount {
  std::shared_ptr<vfsmount> mnt_parent;    // null for the namespace root
  std::shared_ptr<dentry> mnt_mountpoint;  // in mnt_parent
  std::shared_ptr<dentry> mnt_root;
  std::shared_ptr<super_block> mnt_sb;
  int mnt_flags = 0;
  std::string mnt_devname;  // the source string given to mount, shown in /proc/mounts
};

}  // namespace uk
