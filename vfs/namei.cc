// The path walk (2.6.24 fs/namei.c: getname, __link_path_walk, follow_dotdot,
// do_lookup/real_lookup, lookup_one_len, lookup_hash) as one loop.
//
// Per component, in the kernel's order: search permission on the directory we are in
// (EACCES), then "." / ".." or a lookup (the filesystem's: simple_lookup says
// ENAMETOOLONG for a name over NAME_MAX), ENOENT for a missing name, mounts crossed downwards, and
// ENOTDIR when a non-final component (or a final one with a trailing slash or
// LOOKUP_DIRECTORY) is not a directory. ".." stops at the task's root and at the
// namespace root, and leaves a mount root for its mount point in the parent mount.
#include "vfs/namei.h"

#include <cstring>

#include "vfs/dentry.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

ErrorOr<std::string_view> getname(const char* user_path) {
  if (user_path == nullptr) return Errno(EFAULT);
  size_t n = strnlen(user_path, PATH_MAX);
  if (n == 0) return Errno(ENOENT);
  if (n >= PATH_MAX) return Errno(ENAMETOOLONG);
  return std::string_view(user_path, n);
}

const vfs_task& kernel_cred() {
  static const vfs_task root;  // uid/gid 0: the kernel acting for nobody in particular
  return root;
}

path follow_mounts(vfs& v, path p) {
  while (std::shared_ptr<vfsmount> m = v.lookup_mnt(p.mnt.get(), p.dentry.get())) {
    p = path{m, m->mnt_root};
  }
  return p;
}

ErrorOr<std::shared_ptr<dentry>> lookup_one(const path& dir, std::string_view name) {
  // __lookup_one_len(): a single component.
  if (name.empty() || name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos ||
      name == "." || name == "..") {
    return Errno(EACCES);
  }
  dentry& parent = *dir.dentry;
  if (std::shared_ptr<dentry> d = d_lookup(parent, name)) return d;

  inode& di = *parent.d_inode;
  ErrorOr<std::shared_ptr<inode>> found = i_op_of(di).lookup(di, name);
  std::shared_ptr<dentry> d = d_alloc(dir.dentry, name);
  if (!found.ok()) {
    if (found.error().code() != ENOENT) return found.error();
    return d;  // negative, not linked
  }
  if (!found.value()) return d;
  d->d_inode = std::move(found).value();
  // Cache it weakly: the dentry lives while someone uses it. Someone else may have
  // made the name meanwhile (lookups do not always hold i_mutex); theirs wins.
  dcache_guard g(parent);
  if (parent.d_deleted) return d;
  if (auto it = parent.d_subdirs.find(name); it != parent.d_subdirs.end()) return it->second;
  auto [it, inserted] = parent.d_lookup_cache.try_emplace(std::string(name), d);
  if (!inserted) {
    if (std::shared_ptr<dentry> other = it->second.lock(); other && !other->d_deleted) {
      return other;
    }
    it->second = d;
  }
  // Forget cache entries whose dentry died, so the map does not only grow.
  if (parent.d_lookup_cache.size() > 64) {
    for (auto e = parent.d_lookup_cache.begin(); e != parent.d_lookup_cache.end();) {
      if (e->second.expired()) {
        parent.d_lookup_cache.erase(e++);
      } else {
        ++e;
      }
    }
  }
  return d;
}

ErrorOr<std::shared_ptr<dentry>> lookup_hash(const vfs_task& t, const path& dir,
                                             std::string_view name) {
  UK_TRY(permission(*dir.dentry->d_inode, MAY_EXEC, t));
  return lookup_one(dir, name);
}

bool last_is_norm(const nameidata& nd) {
  return !nd.last.empty() && nd.last != "." && nd.last != "..";
}

namespace {

// do_lookup(): the dcache, then real_lookup() under the directory's i_mutex.
ErrorOr<std::shared_ptr<dentry>> do_lookup(const path& dir, std::string_view name) {
  if (name.size() <= NAME_MAX) {
    if (std::shared_ptr<dentry> d = d_lookup(*dir.dentry, name)) return d;
  }
  absl::MutexLock l(&dir.dentry->d_inode->i_mutex);
  return lookup_one(dir, name);
}

// follow_dotdot(): up one level, never above the task's root, from a mount root to
// its mount point (repeatedly: mounts can be stacked), then down any mounts there.
path follow_dotdot(vfs& v, path cur, const path& root) {
  while (true) {
    if (cur == root) break;
    if (cur.dentry != cur.mnt->mnt_root) {
      std::shared_ptr<dentry> parent;
      {
        dcache_guard g(*cur.dentry);
        parent = cur.dentry->d_parent;
      }
      if (parent) cur.dentry = std::move(parent);
      break;
    }
    path up;
    {
      absl::MutexLock l(&v.dcache_lock);
      // The namespace root, or a mount that was unmounted (umount -l) under us.
      if (cur.mnt->mnt_ns == nullptr || !cur.mnt->mnt_parent) break;
      up = path{cur.mnt->mnt_parent, cur.mnt->mnt_mountpoint};
    }
    cur = std::move(up);
  }
  return follow_mounts(v, std::move(cur));
}

// getname()'s checks for a path handed over as a view (it ends at a NUL, if any).
ErrorOr<std::string_view> check_name(std::string_view name) {
  if (size_t nul = name.find('\0'); nul != std::string_view::npos) name = name.substr(0, nul);
  if (name.empty()) return Errno(ENOENT);
  if (name.size() >= PATH_MAX) return Errno(ENAMETOOLONG);
  return name;
}

// __link_path_walk(). With `nd`, stops before the last component (LOOKUP_PARENT).
// `stale`: a name was missing in a directory this walk had looked up, which was
// removed meanwhile (the walk saw the tree at two moments).
ErrorOr<path> link_path_walk_once(vfs_task& t, std::string_view name, unsigned flags, nameidata* nd,
                                  bool* stale) {
  vfs& v = *t.mnt_ns;
  path root, cur;
  {
    absl::MutexLock l(&t.fs->lock);
    root = t.fs->root;
    cur = name[0] == '/' ? t.fs->root : t.fs->pwd;
  }
  bool looked_up = false;  // cur is a directory this walk found by name
  size_t i = name.find_first_not_of('/');
  if (i == std::string_view::npos) {  // "/" (LAST_ROOT)
    if (nd) nd->parent = cur;
    return cur;
  }
  while (true) {
    UK_TRY(permission(*cur.dentry->d_inode, MAY_EXEC, t));
    size_t end = name.find('/', i);
    if (end == std::string_view::npos) end = name.size();
    std::string_view component = name.substr(i, end - i);
    size_t next = name.find_first_not_of('/', end);
    bool last = next == std::string_view::npos;
    bool trailing_slash = last && end < name.size();
    i = next;

    if (last && nd) {  // lookup_parent: LAST_NORM, LAST_DOT or LAST_DOTDOT
      nd->parent = std::move(cur);
      nd->last = std::string(component);
      nd->trailing_slash = trailing_slash;
      return nd->parent;
    }
    if (component == "." || component == "..") {
      if (component == "..") {
        cur = follow_dotdot(v, std::move(cur), root);
        looked_up = true;
      }
      if (last) return cur;
      continue;
    }
    UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> child, do_lookup(cur, component));
    if (!child->d_inode) {
      *stale = looked_up && d_unhashed(*cur.dentry);
      return Errno(ENOENT);
    }
    looked_up = true;
    path next_path = follow_mounts(v, path{cur.mnt, std::move(child)});
    bool is_dir = next_path.dentry->d_inode->is_dir();
    if (!last) {
      if (!is_dir) return Errno(ENOTDIR);
      cur = std::move(next_path);
      continue;
    }
    if (!is_dir && (trailing_slash || (flags & LOOKUP_DIRECTORY))) return Errno(ENOTDIR);
    return next_path;
  }
}

// A walk that went stale is walked again, from the start, so that an ENOENT comes from
// a directory still in the tree at the last lookup (the entry's commit point,
// vfs/entry_recorder.h): an rmdir and a mkdir of the same name between two lookups
// would otherwise give ENOENT for a path that existed before and after, which no
// order of the two calls gives. Bounded: under endless churn the last ENOENT stands.
ErrorOr<path> link_path_walk(vfs_task& t, std::string_view name, unsigned flags, nameidata* nd) {
  UK_ASSIGN_OR_RETURN(name, check_name(name));
  check_task(t);
  constexpr int kWalks = 8;
  for (int walk = 1;; walk++) {
    bool stale = false;
    ErrorOr<path> p = link_path_walk_once(t, name, flags, nd, &stale);
    if (!stale || walk == kWalks) return p;
  }
}

}  // namespace

ErrorOr<path> path_lookup(vfs_task& t, std::string_view name, unsigned flags) {
  return link_path_walk(t, name, flags, nullptr);
}

ErrorOr<nameidata> path_lookup_parent(vfs_task& t, std::string_view name) {
  nameidata nd;
  UK_TRY(link_path_walk(t, name, 0, &nd));
  return nd;
}

}  // namespace uk
