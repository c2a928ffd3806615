// Small shared declarations of the VFS: forward declarations, limits, the task's view.
#pragma once

#include <sys/types.h>

#include <climits>
#include <cstdint>

namespace uk {

struct dentry;
struct file;
class file_system_type;  // a class in super.h (clang -Wmismatched-tags)
struct files_struct;
struct fs_struct;
struct inode;
struct poll_table;
struct super_block;
struct vfsmount;
class file_operations;
class inode_operations;
class super_operations;
class vfs;
struct vfs_task;

using umode_t = mode_t;
using loff_t = int64_t;

// NAME_MAX (255) and PATH_MAX (4096) come from <limits.h> (include/linux/limits.h).
// fs/namei.c: no symlinks here, but the total walk is still bounded.
inline constexpr int MAX_NESTED_LINKS = 8;

}  // namespace uk
