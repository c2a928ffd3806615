// The dcache (fs/dcache.c): allocation, the pins in-memory filesystems keep, lookup of
// cached names, unhashing on rmdir/unlink, d_genocide and d_move.
//
// A pinned child sits in its parent's d_subdirs (the parent owns it) and owns its
// parent through d_parent: a cycle by design, as the dget ramfs keeps in Linux. Every
// way a name goes away (d_delete, d_move over a target, d_genocide) breaks it, and the
// dentries dropped go to a dentry_graveyard, destroyed after the lock is released.
#include "vfs/dentry.h"

#include <deque>

#include "absl/strings/string_view.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/super.h"
#include "vfs/vfs.h"

namespace uk {

std::shared_ptr<dentry> d_alloc(const std::shared_ptr<dentry>& parent, std::string_view name) {
  auto d = std::make_shared<dentry>();
  d->d_name = std::string(name);
  d->d_parent = parent;
  d->d_sb = parent->d_sb;
  return d;
}

std::shared_ptr<dentry> d_alloc_root(std::shared_ptr<inode> root_inode, super_block* sb) {
  auto d = std::make_shared<dentry>();
  d->d_name = "/";
  d->d_inode = std::move(root_inode);
  d->d_sb = sb;
  return d;
}

absl::Mutex* dcache_lock_of(const dentry& d) {
  if (d.d_sb == nullptr) return nullptr;
  vfs* v = d.d_sb->s_vfs.load(std::memory_order_acquire);
  return v ? &v->dcache_lock : nullptr;
}

namespace {
// A commit point of the running entry (vfs/entry_recorder.h), under the dcache lock:
// a name is found or missed, made or removed, in the order of that lock.
void dcache_commit(const dentry& d) {
  vfs* v = d.d_sb != nullptr ? d.d_sb->s_vfs.load(std::memory_order_acquire) : nullptr;
  if (v != nullptr) entry_commit(v->recorder());
}
}  // namespace

std::shared_ptr<dentry> d_lookup(dentry& parent, std::string_view name) {
  dcache_guard g(parent);
  dcache_commit(parent);
  if (auto it = parent.d_subdirs.find(name); it != parent.d_subdirs.end()) return it->second;
  // absl's heterogeneous lookup takes absl::string_view, which need not be std's.
  absl::string_view key(name.data(), name.size());
  if (auto it = parent.d_lookup_cache.find(key); it != parent.d_lookup_cache.end()) {
    std::shared_ptr<dentry> d = it->second.lock();
    if (d && !d->d_deleted) return d;
  }
  return nullptr;
}

void d_pin(const std::shared_ptr<dentry>& child) {
  UK_CHECK(child->d_parent != nullptr && child->d_inode != nullptr);
  dcache_guard g(*child);
  dentry& parent = *child->d_parent;
  parent.d_lookup_cache.erase(child->d_name);
  auto [it, inserted] = parent.d_subdirs.try_emplace(child->d_name, child);
  if (inserted) dcache_commit(*child);  // a second d_pin changes nothing
  // The VFS pins only after a lookup under the parent's i_mutex found nothing there.
  UK_CHECK(inserted || it->second == child);
}

void d_genocide_locked(dentry& root, dentry_graveyard& g) {
  // Breadth first and without recursion: parents enter the graveyard before their
  // children, which therefore die first.
  std::deque<dentry*> todo{&root};
  while (!todo.empty()) {
    dentry* d = todo.front();
    todo.pop_front();
    d->d_lookup_cache.clear();
    for (auto& [name, child] : d->d_subdirs) {
      child->d_deleted = true;
      todo.push_back(child.get());
      g.add(std::move(child));
    }
    d->d_subdirs.clear();
  }
}

namespace {
// Unhashes `d` from its parent: its pin (returned into `g`) or its lookup-cache entry.
void d_unhash_locked(dentry& d, dentry_graveyard& g) {
  d.d_deleted = true;
  if (!d.d_parent) return;
  dentry& parent = *d.d_parent;
  if (auto it = parent.d_subdirs.find(d.d_name);
      it != parent.d_subdirs.end() && it->second.get() == &d) {
    g.add(std::move(it->second));
    parent.d_subdirs.erase(it);
  }
  if (auto it = parent.d_lookup_cache.find(d.d_name); it != parent.d_lookup_cache.end()) {
    std::shared_ptr<dentry> cached = it->second.lock();
    if (!cached || cached.get() == &d) parent.d_lookup_cache.erase(it);
  }
}
}  // namespace

void d_delete(dentry& d) {
  dentry_graveyard g;
  dcache_guard l(d);
  if (!d.d_deleted) dcache_commit(d);  // a second d_delete changes nothing
  d_unhash_locked(d, g);
  d_genocide_locked(d, g);
}

void d_genocide(dentry& root) {
  dentry_graveyard g;
  dcache_guard l(root);
  d_genocide_locked(root, g);
}

bool simple_empty(dentry& dir) {
  dcache_guard g(dir);
  for (const auto& [name, child] : dir.d_subdirs) {
    if (child->d_inode) return false;
  }
  return true;
}

bool d_unhashed(const dentry& d) {
  dcache_guard g(d);
  return d.d_deleted;
}

bool d_mountpoint(const dentry& d) {
  dcache_guard g(d);
  return d.d_mounted > 0;
}

// 2.6.24 d_move(): `d` takes over `target`'s name and parent; `target` (the name's
// old dentry, positive if the rename replaced something) is unhashed.
void d_move(dentry& d, dentry& target) {
  dentry_graveyard g;
  dcache_guard l(d);
  std::shared_ptr<dentry> new_parent = target.d_parent;
  std::string new_name = target.d_name;
  if (target.d_inode) {
    d_unhash_locked(target, g);
    d_genocide_locked(target, g);
  }
  new_parent->d_lookup_cache.erase(new_name);

  // Take `d` out of its old parent, remembering whether it was pinned there.
  std::shared_ptr<dentry> self;
  bool pinned = false;
  dentry& old_parent = *d.d_parent;
  if (auto it = old_parent.d_subdirs.find(d.d_name);
      it != old_parent.d_subdirs.end() && it->second.get() == &d) {
    self = std::move(it->second);
    old_parent.d_subdirs.erase(it);
    pinned = true;
  } else {
    old_parent.d_lookup_cache.erase(d.d_name);
    self = d.shared_from_this();
  }
  g.add(std::move(d.d_parent));  // the old parent may die only after the lock
  d.d_parent = new_parent;
  d.d_name = new_name;
  if (pinned) {
    new_parent->d_subdirs[new_name] = std::move(self);
  } else {
    new_parent->d_lookup_cache[new_name] = self;
  }
}

}  // namespace uk
