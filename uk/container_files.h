// The core's own control files (tasks, notify_on_release, releasable, release_agent)
// and the file/inode operations shared by every control file.
#pragma once

#include <vector>

#include "uk/cftype.h"
#include "vfs/file.h"
#include "vfs/inode.h"

namespace uk {

// tasks, notify_on_release, releasable: in every container.
const std::vector<cftype>& container_base_files();
// release_agent: at the top container only.
const cftype& container_root_file();

// container_file_operations: open/read/write/release dispatched to the cftype.
const file_operations& container_file_operations();
const inode_operations& container_file_inode_operations();

}  // namespace uk
