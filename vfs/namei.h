// Path walk (fs/namei.c): one loop that resolves a path for a task.
//
// Per component: the directory must be a directory (ENOTDIR) the caller may search
// (EACCES); "." stays, ".." goes up, crossing mount points both ways and never above
// the task's root; names longer than NAME_MAX are ENAMETOOLONG, whole paths of
// PATH_MAX or more too; a missing component is ENOENT. Errors come in the kernel's
// order (the first failing component decides).
#pragma once

#include <string>
#include <string_view>

#include "vfs/errno.h"
#include "vfs/path.h"
#include "vfs/types.h"

namespace uk {

enum : unsigned {
  LOOKUP_FOLLOW = 0x0001,     // accepted for symmetry; there are no symlinks
  LOOKUP_DIRECTORY = 0x0002,  // the result must be a directory (ENOTDIR)
};

// Resolves `name` relative to the task's cwd (or root if absolute). An empty name is
// ENOENT.
ErrorOr<path> path_lookup(vfs_task& t, std::string_view name, unsigned flags = 0);

// For create-style calls (mkdir, rename, open O_CREAT ...): resolves everything but
// the last component, which it returns in `last`. The parent must be a directory the
// caller can search. `last` is empty for "/" and is "." or ".." when the path ends so
// (callers reject those as the kernel does: EEXIST for mkdir, EBUSY/EINVAL elsewhere).
struct nameidata {
  path parent;
  std::string last;
  bool trailing_slash = false;
};
ErrorOr<nameidata> path_lookup_parent(vfs_task& t, std::string_view name);

// Looks `name` up in directory `dir` (which the caller has already checked):
// the dcache first, then the filesystem's lookup(). Returns a negative dentry
// (d_inode null), not linked, when the name does not exist (lookup_one_len).
// ENAMETOOLONG for a name longer than NAME_MAX; EACCES for anything but one plain
// component (empty, holding '/' or NUL, "." or ".."). Takes no i_mutex: callers that create or
// remove names hold dir's (as lookup_one_len requires); the walk takes it only on a dcache miss
// (real_lookup).
ErrorOr<std::shared_ptr<dentry>> lookup_one(const path& dir, std::string_view name);

// Follows mounts stacked on `p` to the topmost one (follow_down).
path follow_mounts(vfs& v, path p);

// vfs_mkdir(): makes `name` in directory `dir` for `current` (root credentials when
// there is none): takes dir's i_mutex, looks the name up, then may_create (EEXIST,
// ENOENT in a removed directory, EACCES without write+search permission), the
// driver's mkdir with mode & (S_IRWXUGO|S_ISVTX) (no umask: sys_mkdir applies it), and
// pins the new dentry, which it returns. Used by sys_mkdir's core and by in-kernel
// callers that hold a dentry rather than a path (container_clone). Call it without
// dir's i_mutex and without filesystem locks the driver's mkdir takes.
ErrorOr<std::shared_ptr<dentry>> vfs_mkdir(const std::shared_ptr<dentry>& dir,
                                           std::string_view name, umode_t mode);

}  // namespace uk
