// Private to //vfs (like fs/internal.h): helpers the .cc files share. Not a contract
// for other layers; nothing outside vfs/ includes this.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "vfs/dentry.h"
#include "vfs/entry_recorder.h"
#include "vfs/errno.h"
#include "vfs/file.h"
#include "vfs/inode.h"
#include "vfs/namei.h"
#include "vfs/path.h"
#include "vfs/super.h"
#include "vfs/types.h"
#include "vfs/vfs_task.h"

namespace uk {

// The recorder the system calls of `t` report to (vfs/entry_recorder.h), or null.
entry_recorder* recorder_of(const vfs_task& t);

// The page the kernel copies a path or mount option into.
inline constexpr size_t kPageSize = 4096;
// include/linux/stat.h
inline constexpr mode_t S_IRWXUGO = S_IRWXU | S_IRWXG | S_IRWXO;
inline constexpr mode_t S_IALLUGO = S_ISUID | S_ISGID | S_ISVTX | S_IRWXUGO;
inline constexpr mode_t S_IXUGO = S_IXUSR | S_IXGRP | S_IXOTH;

// fs/namei.c getname(): a user path as the kernel sees it: EFAULT for null,
// ENOENT for "", ENAMETOOLONG when no NUL comes within PATH_MAX bytes.
ErrorOr<std::string_view> getname(const char* user_path);

// --- dcache locking (fs/dcache.c) ---

// The dcache lock of the tree `d` is in: its super_block's vfs's dcache_lock, or null
// while that super_block was never mounted (the tree is private to its driver).
absl::Mutex* dcache_lock_of(const dentry& d);

// Holds the lock dcache_lock_of() names, if any, for a scope.
class dcache_guard {
 public:
  explicit dcache_guard(const dentry& d) ABSL_NO_THREAD_SAFETY_ANALYSIS : mu_(dcache_lock_of(d)) {
    if (mu_) mu_->Lock();
  }
  ~dcache_guard() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (mu_) mu_->Unlock();
  }
  dcache_guard(const dcache_guard&) = delete;
  dcache_guard& operator=(const dcache_guard&) = delete;

 private:
  absl::Mutex* mu_;
};

// Dentries unpinned under the dcache lock, destroyed once it is released: a dying
// dentry may free an inode and its driver data, which must not run under the lock.
// Destruction goes newest first; callers add parents before children, so a child
// never recurses into its parent's destructor (a 1000-deep tree is no deep stack).
class dentry_graveyard {
 public:
  dentry_graveyard() = default;
  dentry_graveyard(const dentry_graveyard&) = delete;
  dentry_graveyard& operator=(const dentry_graveyard&) = delete;
  ~dentry_graveyard() {
    while (!dead_.empty()) dead_.pop_back();
  }
  void add(std::shared_ptr<dentry> d) {
    if (d) dead_.push_back(std::move(d));
  }

 private:
  std::vector<std::shared_ptr<dentry>> dead_;
};

// d_genocide with the dcache lock held: drops every pin below `root` into `g`,
// marking each d_deleted.
void d_genocide_locked(dentry& root, dentry_graveyard& g);
// d_move after a successful rename: `d` takes `target`'s name and parent; a positive
// `target` is unhashed (d_deleted, pins below it dropped). Takes the dcache lock.
void d_move(dentry& d, dentry& target);
// Is `d` unhashed (rmdir'd, unlinked, or in a killed tree)? Takes the dcache lock.
bool d_unhashed(const dentry& d);
// d_mountpoint(): is anything mounted on `d`? Takes the dcache lock.
bool d_mountpoint(const dentry& d);

// --- i_mutex nesting ---

// Takes `mu`, an i_mutex, as the second or later i_mutex an operation holds (the
// victim of rmdir/unlink, rename's second parent and target). Linux keeps these
// deadlock-free by protocol (parent before child; rename_mutex before two parents,
// ancestor first) and tells lockdep so with subclasses. absl's debug-build deadlock
// detector knows one order per pair of mutexes for all time, which renames change
// (a child becomes unrelated, or an ancestor), so it would report cycles that the
// protocol rules out. Nested i_mutexes are therefore taken with TryLock, which the
// detector does not check, waiting until it succeeds: the same wait, deadlock-free by
// the same protocol.
void lock_nested(absl::Mutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu);

class ABSL_SCOPED_LOCKABLE nested_lock {
 public:
  explicit nested_lock(absl::Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    lock_nested(*mu_);
  }
  ~nested_lock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  nested_lock(const nested_lock&) = delete;
  nested_lock& operator=(const nested_lock&) = delete;

 private:
  absl::Mutex* mu_;
};

// --- default operations ---

const inode_operations& i_op_of(const inode& i);
const file_operations& default_file_operations();
const super_operations& s_op_of(const super_block& sb);

// IS_RDONLY(): the inode's super_block is mounted read-only.
bool is_rdonly(const inode& i);

// --- fs/namei.c ---

// lookup_hash(): MAY_EXEC on `dir`, then lookup_one. Caller holds dir's i_mutex.
ErrorOr<std::shared_ptr<dentry>> lookup_hash(const vfs_task& t, const path& dir,
                                             std::string_view name);
// The last component is a plain name (LAST_NORM), not "", "." or "..".
bool last_is_norm(const nameidata& nd);
// may_create(): EEXIST, ENOENT (removed directory), then write+search permission.
Errno may_create(const vfs_task& t, const dentry& dir, const dentry& child);
// may_delete(): ENOENT, permission, sticky bit (EPERM), ENOTDIR/EISDIR, EBUSY for a
// root, ENOENT for a removed directory.
Errno may_delete(const vfs_task& t, const dentry& dir, const dentry& victim, bool isdir);
// vfs_create(): may_create, then the driver's create with mode & 07777 | S_IFREG, then
// the pin. Caller holds dir's i_mutex.
Errno vfs_create(const vfs_task& t, dentry& dir, const std::shared_ptr<dentry>& child,
                 umode_t mode);
// The root-credential task used when a kernel-internal caller has no `current`.
const vfs_task& kernel_cred();

// --- fs/open.c, fs/attr.c ---

// notify_change(): inode_change_ok, then i_op->setattr. Caller holds d's i_mutex.
Errno notify_change(const vfs_task& t, dentry& d, iattr& attr);
// do_truncate(): notify_change(ATTR_SIZE|ATTR_MTIME|ATTR_CTIME) under d's i_mutex.
Errno do_truncate(const vfs_task& t, dentry& d, loff_t length);

// The task's fs context must exist for path-taking calls.
inline void check_task(const vfs_task& t) { UK_CHECK(t.fs && t.files && t.mnt_ns); }

}  // namespace uk
