// Names of paths (fs/dcache.c __d_path, d_path, sys_getcwd).
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "vfs/dentry.h"
#include "vfs/fs_struct.h"
#include "vfs/internal.h"
#include "vfs/mount.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

// __d_path(): walks up from `p` to `root`, crossing from mount roots to mount points,
// and joins the names. A dentry unhashed by rmdir/unlink (not a root) gets
// " (deleted)". If the walk meets the namespace root (or the root of a detached mount)
// without passing `root`, that root's own name leads ("/" for ours).
ErrorOr<std::string> vfs::d_path(const path& p, const path& root, size_t buflen) {
  std::vector<std::string> names;  // leaf first
  std::string global_root;
  bool deleted;
  {
    absl::MutexLock l(&dcache_lock);
    deleted = !p.dentry->is_root() && p.dentry->d_deleted;
    const vfsmount* mnt = p.mnt.get();
    const dentry* d = p.dentry.get();
    while (!(d == root.dentry.get() && mnt == root.mnt.get())) {
      if (d == mnt->mnt_root.get() || d->is_root()) {
        if (mnt->mnt_ns == nullptr || !mnt->mnt_parent) {  // global root
          global_root = d->d_name;
          break;
        }
        d = mnt->mnt_mountpoint.get();
        mnt = mnt->mnt_parent.get();
        continue;
      }
      names.push_back(d->d_name);
      d = d->d_parent.get();
    }
  }
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) out += "/" + *it;
  if (out.empty()) out = "/";
  // "retval -= namelen-1": the root's name replaces the leading '/'.
  if (!global_root.empty()) out = global_root + out.substr(1);
  if (deleted) out += " (deleted)";
  if (out.size() + 1 > buflen) return Errno(ENAMETOOLONG);
  return out;
}

std::string vfs::d_path(const path& p) {
  ErrorOr<std::string> name = d_path(p, root(), std::numeric_limits<size_t>::max());
  UK_CHECK(name.ok());
  return std::move(name).value();
}

namespace {

// sys_getcwd(): ENOENT once the cwd was removed; the length with its NUL, or ERANGE
// if `size` is too small; names longer than a page are ENAMETOOLONG.
ErrorOr<long> do_getcwd(vfs_task& t, char* buf, size_t size) {
  check_task(t);
  path pwd, root;
  {
    absl::MutexLock l(&t.fs->lock);
    pwd = t.fs->pwd;
    root = t.fs->root;
  }
  if (!pwd.dentry->is_root() && d_unhashed(*pwd.dentry)) return Errno(ENOENT);
  UK_ASSIGN_OR_RETURN(std::string cwd, t.mnt_ns->d_path(pwd, root, kPageSize));
  size_t len = cwd.size() + 1;
  if (len > size) return Errno(ERANGE);
  if (buf == nullptr) return Errno(EFAULT);
  std::memcpy(buf, cwd.c_str(), len);
  return static_cast<long>(len);
}

}  // namespace

long sys_getcwd(vfs_task& t, char* buf, size_t size) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::getcwd, &t);
  long r = to_syscall_result(do_getcwd(t, buf, size));
  if (e.recording()) {
    e->count = size;
    if (r > 0) e->data = std::string_view(buf, static_cast<size_t>(r));
  }
  return e.done(r);
}

}  // namespace uk
