// ramfs: an in-memory filesystem (fs/ramfs). Its "rootfs" instance holds "/" and the
// mount points; tests use it for plain files.
#pragma once

#include "vfs/super.h"

namespace uk {

inline constexpr unsigned long RAMFS_MAGIC = 0x858458f6;

class ramfs_type : public file_system_type {
 public:
  explicit ramfs_type(std::string name = "ramfs") : file_system_type(std::move(name)) {}
  ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                               const char* data) override;
};

}  // namespace uk
