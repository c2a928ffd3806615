// struct path: a resolved place in the tree (mount + dentry), like SerenityOS's Custody.
#pragma once

#include <memory>

#include "vfs/types.h"

namespace uk {

struct path {
  std::shared_ptr<vfsmount> mnt;
  std::shared_ptr<uk::dentry> dentry;

  explicit operator bool() const { return dentry != nullptr; }
  friend bool operator==(const path& a, const path& b) {
    return a.mnt == b.mnt && a.dentry == b.dentry;
  }
};

}  // namespace uk
