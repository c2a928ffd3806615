// Control files: the file and inode operations every control file shares (read/write
// dispatched to its cftype) and the handlers of the core's files both flavours' tables
// (uk/container_v10.cc files[], uk/cgroup_v1.cc cgroup1_base_files[]) point to.
#pragma once

#include <string>

#include "uk/cftype.h"
#include "vfs/errno.h"
#include "vfs/file.h"
#include "vfs/inode.h"

namespace uk {

// container_file_operations: open/read/write/release dispatched to the cftype.
const file_operations& container_file_operations();
const inode_operations& container_file_inode_operations();

// The core's files' `private` kinds (2.6.24 cgroup_filetype).
enum container_filetype {
  FILE_TASKLIST,
  FILE_NOTIFY_ON_RELEASE,
  FILE_RELEASABLE,
  FILE_RELEASE_AGENT,
  FILE_PROCS,           // cgroup.procs
  FILE_CLONE_CHILDREN,  // cgroup.clone_children
  FILE_SANE_BEHAVIOR,   // cgroup.sane_behavior
};

// The user buffer as the kernel sees it after copy-in: NUL-terminated, so C string
// functions stop at an embedded NUL.
std::string kernel_copy(const char* buf, size_t nbytes);

// `tasks` (thread ids) and `cgroup.procs` (thread group ids): a sorted snapshot
// without duplicates taken at open (container_tasks_open), served by
// container_tasks_read.
Errno container_tasks_open(inode& i, file& f);
Errno container_procs_open(inode& i, file& f);
// Whether `f` is such a file opened for reading whose snapshot is taken already (at
// the open, or by a first read): every later read of it is served from that snapshot,
// so it depends on nothing that happens after (uk-run's shim settles its task table
// for the open, or the first read, not for the others).
bool container_file_is_snapshot(const file& f);
// Whether `f` is a `tasks` or `cgroup.procs` file, whatever its open mode: a write to
// it moves the task it names.
bool container_file_moves_tasks(const file& f);
ErrorOr<size_t> container_tasks_read(container* cont, const cftype* cft, file& f, char* buf,
                                     size_t nbytes, loff_t* ppos);
// container_common_file_read(): notify_on_release, releasable, cgroup.clone_children
// ("0\n"/"1\n"), cgroup.sane_behavior ("0\n"), release_agent (the path and "\n",
// under container_mutex); EINVAL for another kind.
ErrorOr<size_t> container_common_file_read(container* cont, const cftype* cft, file& f, char* buf,
                                           size_t nbytes, loff_t* ppos);

}  // namespace uk
