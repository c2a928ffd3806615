// Path walk (fs/namei.c link_path_walk / do_path_lookup / lookup_hash).
#include "vfs/namei.h"

#include "vfs/dentry.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

path follow_mounts(vfs& v, path p) {
  while (p.dentry->d_mounted > 0) {
    auto m = v.lookup_mnt(p.mnt.get(), p.dentry.get());
    if (!m) break;
    p = path{m, m->mnt_root};
  }
  return p;
}

ErrorOr<std::shared_ptr<dentry>> lookup_one(const path& dir, std::string_view name) {
  vfs& v = *current()->mnt_ns;
  {
    absl::MutexLock l(&v.dcache_lock);
    auto it = dir.dentry->d_subdirs.find(name);
    if (it != dir.dentry->d_subdirs.end()) return it->second;
    auto c = dir.dentry->d_lookup_cache.find(std::string(name));
    if (c != dir.dentry->d_lookup_cache.end()) {
      if (auto d = c->second.lock()) return d;
    }
  }
  inode& di = *dir.dentry->d_inode;
  auto found = di.i_op->lookup(di, name);
  auto d = d_alloc(dir.dentry, name);
  if (found.ok()) {
    d->d_inode = std::move(found).value();
    absl::MutexLock l(&v.dcache_lock);
    dir.dentry->d_lookup_cache[std::string(name)] = d;
  } else if (found.error().code() != ENOENT) {
    return found.error();
  }
  return d;
}

namespace {

// One step of the walk from `cur` by `name` (not "." or ".."), crossing mounts down.
ErrorOr<path> walk_component(vfs& v, const path& cur, std::string_view name) {
  UK_ASSIGN_OR_RETURN(auto d, lookup_one(cur, name));
  if (!d->d_inode) return Errno(ENOENT);
  return follow_mounts(v, path{cur.mnt, d});
}

path walk_dotdot(vfs& v, path cur, const path& root) {
  while (true) {
    if (cur == root) return cur;
    if (cur.dentry != cur.mnt->mnt_root) {
      absl::MutexLock l(&v.dcache_lock);
      if (cur.dentry->d_parent) cur.dentry = cur.dentry->d_parent;
      return cur;
    }
    if (!cur.mnt->mnt_parent) return cur;  // the namespace root
    cur = path{cur.mnt->mnt_parent, cur.mnt->mnt_mountpoint};
  }
}

struct walk_result {
  path parent;
  std::string last;
  bool trailing_slash = false;
};

// Walks all but the last component.
ErrorOr<walk_result> walk_to_parent(vfs_task& t, std::string_view name) {
  if (name.empty()) return Errno(ENOENT);
  if (name.size() >= PATH_MAX) return Errno(ENAMETOOLONG);
  vfs& v = *t.mnt_ns;
  path root, cur;
  {
    absl::MutexLock l(&t.fs->lock);
    root = t.fs->root;
    cur = name[0] == '/' ? t.fs->root : t.fs->pwd;
  }
  cur = follow_mounts(v, cur);
  walk_result r;
  size_t i = 0;
  while (true) {
    while (i < name.size() && name[i] == '/') i++;
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view comp = name.substr(i, j - i);
    size_t next = j;
    while (next < name.size() && name[next] == '/') next++;
    bool last = next == name.size();
    if (comp.size() > NAME_MAX) return Errno(ENAMETOOLONG);
    if (last) {
      r.parent = cur;
      r.last = std::string(comp);
      r.trailing_slash = j < name.size();
      return r;
    }
    inode& di = *cur.dentry->d_inode;
    if (!di.is_dir()) return Errno(ENOTDIR);
    UK_TRY(permission(di, MAY_EXEC, t));
    if (comp == ".") {
    } else if (comp == "..") {
      cur = walk_dotdot(v, cur, root);
    } else {
      UK_ASSIGN_OR_RETURN(cur, walk_component(v, cur, comp));
    }
    i = next;
  }
}

}  // namespace

ErrorOr<nameidata> path_lookup_parent(vfs_task& t, std::string_view name) {
  UK_ASSIGN_OR_RETURN(walk_result r, walk_to_parent(t, name));
  if (!r.parent.dentry->d_inode->is_dir()) return Errno(ENOTDIR);
  UK_TRY(permission(*r.parent.dentry->d_inode, MAY_EXEC, t));
  nameidata nd;
  nd.parent = std::move(r.parent);
  nd.last = std::move(r.last);
  nd.trailing_slash = r.trailing_slash;
  return nd;
}

ErrorOr<path> path_lookup(vfs_task& t, std::string_view name, unsigned flags) {
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, name));
  vfs& v = *t.mnt_ns;
  path result;
  if (nd.last.empty() || nd.last == ".") {
    result = nd.parent;
  } else if (nd.last == "..") {
    path root;
    {
      absl::MutexLock l(&t.fs->lock);
      root = t.fs->root;
    }
    result = walk_dotdot(v, nd.parent, root);
  } else {
    UK_ASSIGN_OR_RETURN(result, walk_component(v, nd.parent, nd.last));
  }
  bool need_dir = (flags & LOOKUP_DIRECTORY) || nd.trailing_slash;
  if (need_dir && !result.dentry->d_inode->is_dir()) return Errno(ENOTDIR);
  return result;
}

}  // namespace uk
