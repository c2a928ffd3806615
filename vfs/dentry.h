// struct dentry: a name in the tree (include/linux/dcache.h).
//
// Ownership: a child holds its parent (d_parent) and its inode (d_inode). A directory
// of an in-memory filesystem pins its children in d_subdirs (ramfs/cgroupfs do a dget
// at creation); rmdir/unlink/rename and kill_sb drop those pins. Children that a
// filesystem's lookup() produced (procfs) are cached weakly in d_lookup_cache.
// The tree links (d_parent, d_subdirs, d_lookup_cache, d_mounted, d_deleted) are
// guarded by vfs::dcache_lock.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "vfs/types.h"

namespace uk {

struct dentry : std::enable_shared_from_this<dentry> {
  std::string d_name;
  std::shared_ptr<dentry> d_parent;  // null at a filesystem root (IS_ROOT)
  std::shared_ptr<inode> d_inode;    // null for a negative dentry
  super_block* d_sb = nullptr;

  // Pinned children, in name order (readdir order).
  std::map<std::string, std::shared_ptr<dentry>, std::less<>> d_subdirs;
  absl::flat_hash_map<std::string, std::weak_ptr<dentry>> d_lookup_cache;

  int d_mounted = 0;       // number of vfsmounts on this dentry
  bool d_deleted = false;  // unhashed by rmdir/unlink: no longer reachable by name

  void* d_fsdata = nullptr;  // driver data

  bool is_root() const { return d_parent == nullptr; }
};

// Makes a new, negative dentry `name` under `parent` (not yet linked: d_alloc).
std::shared_ptr<dentry> d_alloc(const std::shared_ptr<dentry>& parent, std::string_view name);
// A root dentry ("/") for a new super_block (d_alloc_root).
std::shared_ptr<dentry> d_alloc_root(std::shared_ptr<inode> root_inode, super_block* sb);

// The helpers below take the dcache lock of the dentry's tree themselves: the
// dcache_lock of the vfs that mounted its super_block (super_block::s_vfs), or none
// while the super_block has never been mounted (its tree is then private to the
// driver filling it in get_sb). Never call them with vfs::dcache_lock held.
// Dentries whose last pin they drop are destroyed after the lock is released.

// The cached child `name` of `parent` (pinned, or lookup-cached and not deleted), or
// null: the dcache half of a lookup (d_lookup).
std::shared_ptr<dentry> d_lookup(dentry& parent, std::string_view name);
// Pins positive `child` (from d_alloc) in its parent's d_subdirs: the extra dget that
// ramfs_mknod keeps. The VFS calls it after a successful mkdir/create; drivers may use
// it for entries they make themselves (control files).
void d_pin(const std::shared_ptr<dentry>& child);
// After a successful rmdir/unlink (d_delete): unpins `d` from its parent, marks it
// d_deleted and drops the pins of everything below it (marked d_deleted too). Open
// files and cwds keep the objects alive.
void d_delete(dentry& d);
// Drops every pin below `root`, marking each dropped dentry d_deleted; `root` stays
// (d_genocide, for kill_litter_super).
void d_genocide(dentry& root);
// True if `dir` pins no positive child (fs/libfs.c simple_empty).
bool simple_empty(dentry& dir);

}  // namespace uk
