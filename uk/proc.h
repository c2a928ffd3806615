// procfs, as far as containers need it: /proc/containers, /proc/<pid>/container,
// /proc/<pid>/cpuset, /proc/<pid>/task/<tid>/{container,cpuset} and /proc/self; the
// cgroup flavour's /proc/cgroups and /proc/<pid>/cgroup; /proc/mounts,
// /proc/<pid>/mounts and /proc/<pid>/mountinfo (the kernel's one mount namespace).
// Contents are generated at open (a snapshot, as seq_file's single_open gives);
// a task that is gone by then is ESRCH.
#pragma once

#include "vfs/super.h"

namespace uk {

class kernel;

inline constexpr unsigned long PROC_SUPER_MAGIC = 0x9fa0;

class procfs_type : public file_system_type {
 public:
  explicit procfs_type(kernel& k);
  ErrorOr<std::shared_ptr<super_block>> get_sb(int flags, std::string_view dev_name,
                                               const char* data) override;

 private:
  kernel& kernel_;
};

}  // namespace uk
