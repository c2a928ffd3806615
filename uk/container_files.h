// The core's own control files (tasks, notify_on_release, releasable, release_agent;
// cgroup.procs, cgroup.clone_children, cgroup.sane_behavior in the cgroup flavour)
// and the file/inode operations shared by every control file.
#pragma once

#include <vector>

#include "uk/cftype.h"
#include "vfs/file.h"
#include "vfs/inode.h"

namespace uk {

struct container_flavour;

// In every container: tasks, notify_on_release, and releasable (V10) or cgroup.procs
// and cgroup.clone_children (cgroup v1).
std::vector<const cftype*> container_base_files(const container_flavour& flavour);
// At the top container only: release_agent, and cgroup.sane_behavior (cgroup v1).
std::vector<const cftype*> container_root_files(const container_flavour& flavour);

// container_file_operations: open/read/write/release dispatched to the cftype.
const file_operations& container_file_operations();
const inode_operations& container_file_inode_operations();

}  // namespace uk
