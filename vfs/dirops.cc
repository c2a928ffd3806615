// Name-changing operations (2.6.24 fs/namei.c second half): may_create/may_delete,
// vfs_mkdir/vfs_create/vfs_rmdir/vfs_unlink/vfs_rename and their system calls, with
// mknod, symlink and link, which no filesystem here makes (may_create_then_eperm).
//
// Each system call resolves the parent (path_lookup_parent), rejects a last component
// that is not a plain name, takes the parent's i_mutex, looks the name up
// (lookup_hash) and calls the vfs_* function, which checks in Linux's order and then
// calls the driver. The dcache follows the driver: a new name is pinned, a removed one
// unhashed (with everything pinned below it), a renamed one moved.
#include <sys/stat.h>

#include <optional>

#include "vfs/dentry.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/namei.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

Errno may_create(const vfs_task& t, const dentry& dir, const dentry& child) {
  if (child.d_inode) return Errno(EEXIST);
  if (d_unhashed(dir)) return Errno(ENOENT);  // IS_DEADDIR: rmdir'd under us or our cwd
  return permission(*dir.d_inode, MAY_WRITE | MAY_EXEC, t);
}

namespace {
// check_sticky(): in a sticky directory only the file's owner, the directory's owner
// or root may remove or rename a name.
bool sticky_denies(const vfs_task& t, const inode& dir, const inode& victim) {
  if (!(dir.i_mode & S_ISVTX)) return false;
  if (victim.i_uid == t.fsuid || dir.i_uid == t.fsuid) return false;
  return !t.capable();
}
}  // namespace

Errno may_delete(const vfs_task& t, const dentry& dir, const dentry& victim, bool isdir) {
  if (!victim.d_inode) return Errno(ENOENT);
  UK_TRY(permission(*dir.d_inode, MAY_WRITE | MAY_EXEC, t));
  if (sticky_denies(t, *dir.d_inode, *victim.d_inode)) return Errno(EPERM);
  if (isdir) {
    if (!victim.d_inode->is_dir()) return Errno(ENOTDIR);
    if (victim.is_root()) return Errno(EBUSY);
  } else if (victim.d_inode->is_dir()) {
    return Errno(EISDIR);
  }
  if (d_unhashed(dir)) return Errno(ENOENT);
  return kOk;
}

namespace {

// vfs_mkdir() proper, with dir's i_mutex held.
Errno vfs_mkdir_locked(const vfs_task& t, dentry& dir, const std::shared_ptr<dentry>& child,
                       umode_t mode) {
  UK_TRY(may_create(t, dir, *child));
  mode &= (S_IRWXUGO | S_ISVTX);
  inode& di = *dir.d_inode;
  UK_TRY(i_op_of(di).mkdir(di, *child, mode));
  UK_CHECK(child->d_inode != nullptr);  // the driver's half of the contract
  d_pin(child);
  return kOk;
}

// vfs_mknod(), vfs_symlink() and vfs_link(), with dir's i_mutex held: may_create, then
// EPERM, for no filesystem here has ->mknod, ->symlink or ->link (a device node without
// CAP_MKNOD and a link to a directory are the same EPERM).
Errno may_create_then_eperm(const vfs_task& t, dentry& dir, const dentry& child) {
  UK_TRY(may_create(t, dir, child));
  return Errno(EPERM);
}

// lookup_create(): the parent's child `nd.last` for a new non-directory, with the
// parent's i_mutex held by the caller: EEXIST for ".", ".." and "/", ENOENT for a name
// with a trailing slash that does not exist.
ErrorOr<std::shared_ptr<dentry>> lookup_create(vfs_task& t, const nameidata& nd) {
  if (!last_is_norm(nd)) return Errno(EEXIST);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> child, lookup_hash(t, nd.parent, nd.last));
  if (nd.trailing_slash && !child->d_inode) return Errno(ENOENT);
  return child;
}

// vfs_rmdir(), with dir's i_mutex held.
Errno vfs_rmdir(const vfs_task& t, dentry& dir, const std::shared_ptr<dentry>& victim) {
  UK_TRY(may_delete(t, dir, *victim, true));
  inode& di = *dir.d_inode;
  std::shared_ptr<inode> vi = victim->d_inode;
  nested_lock l(&vi->i_mutex);
  if (d_mountpoint(*victim)) return Errno(EBUSY);
  UK_TRY(i_op_of(di).rmdir(di, *victim));
  // Still under the victim's i_mutex, so a mount racing onto it sees it dead.
  d_delete(*victim);
  return kOk;
}

// vfs_unlink(), with dir's i_mutex held.
Errno vfs_unlink(const vfs_task& t, dentry& dir, const std::shared_ptr<dentry>& victim) {
  UK_TRY(may_delete(t, dir, *victim, false));
  inode& di = *dir.d_inode;
  std::shared_ptr<inode> vi = victim->d_inode;
  nested_lock l(&vi->i_mutex);
  if (d_mountpoint(*victim)) return Errno(EBUSY);
  UK_TRY(i_op_of(di).unlink(di, *victim));
  d_delete(*victim);
  return kOk;
}

// vfs_rename() (vfs_rename_dir / vfs_rename_other), with the locks of lock_rename.
Errno vfs_rename(const vfs_task& t, dentry& old_dir, const std::shared_ptr<dentry>& old_dentry,
                 dentry& new_dir, const std::shared_ptr<dentry>& new_dentry) {
  inode& source = *old_dentry->d_inode;
  if (old_dentry->d_inode == new_dentry->d_inode) return kOk;  // same file: nothing to do
  bool is_dir = source.is_dir();
  UK_TRY(may_delete(t, old_dir, *old_dentry, is_dir));
  if (!new_dentry->d_inode) {
    UK_TRY(may_create(t, new_dir, *new_dentry));
  } else {
    UK_TRY(may_delete(t, new_dir, *new_dentry, is_dir));
  }
  inode& odi = *old_dir.d_inode;
  inode& ndi = *new_dir.d_inode;
  // A directory changing parent gets a new "..": that needs write permission on it.
  if (is_dir && &odi != &ndi) UK_TRY(permission(source, MAY_WRITE, t));
  std::shared_ptr<inode> target = new_dentry->d_inode;
  std::optional<nested_lock> target_lock;
  if (target) target_lock.emplace(&target->i_mutex);
  if (d_mountpoint(*old_dentry) || d_mountpoint(*new_dentry)) return Errno(EBUSY);
  UK_TRY(i_op_of(odi).rename(odi, *old_dentry, ndi, *new_dentry));
  d_move(*old_dentry, *new_dentry);
  return kOk;
}

// lock_rename(): rename_mutex when the parents differ, then both parents' i_mutex,
// an ancestor before its descendant (else new parent first). trap() is the child of one
// parent that is an ancestor of the other, if any.
class rename_lock {
 public:
  rename_lock(vfs& v, dentry& p1, dentry& p2) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (&p1 == &p2 || p1.d_inode == p2.d_inode) {
      lock(&p1.d_inode->i_mutex);
      return;
    }
    lock(&v.rename_mutex);
    {
      dcache_guard g(p1);
      for (dentry* p = &p1; p->d_parent && !trap_; p = p->d_parent.get()) {
        if (p->d_parent.get() == &p2) trap_ = p;
      }
      if (trap_) {
        first_ = &p2;
      } else {
        for (dentry* p = &p2; p->d_parent && !trap_; p = p->d_parent.get()) {
          if (p->d_parent.get() == &p1) trap_ = p;
        }
      }
    }
    dentry& second = first_ == &p2 ? p1 : p2;
    lock(&(first_ ? *first_ : p1).d_inode->i_mutex);
    lock_nested(second.d_inode->i_mutex);
    held_.push_back(&second.d_inode->i_mutex);
  }
  ~rename_lock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (auto it = held_.rbegin(); it != held_.rend(); ++it) (*it)->Unlock();
  }
  rename_lock(const rename_lock&) = delete;
  rename_lock& operator=(const rename_lock&) = delete;

  const dentry* trap() const { return trap_; }

 private:
  void lock(absl::Mutex* mu) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu->Lock();
    held_.push_back(mu);
  }

  std::vector<absl::Mutex*> held_;
  dentry* trap_ = nullptr;
  dentry* first_ = nullptr;
};

// The task's umask (fs_struct::lock, a leaf: vfs.h).
mode_t umask_of(vfs_task& t) {
  absl::MutexLock l(&t.fs->lock);
  return t.fs->umask;
}

Errno do_mkdir(vfs_task& t, const char* pathname, mode_t mode) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(pathname));
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, name));
  mode &= ~umask_of(t);
  dentry& dir = *nd.parent.dentry;
  absl::MutexLock l(&dir.d_inode->i_mutex);
  if (!last_is_norm(nd)) return Errno(EEXIST);  // lookup_create: "foo/.", "foo/..", "/"
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> child, lookup_hash(t, nd.parent, nd.last));
  return vfs_mkdir_locked(t, dir, child, mode);
}

// sys_mknodat(): a regular file is vfs_create's, a device, fifo or socket vfs_mknod's.
Errno do_mknod(vfs_task& t, const char* pathname, mode_t mode) {
  if (S_ISDIR(mode)) return Errno(EPERM);
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(pathname));
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, name));
  mode &= ~umask_of(t);
  dentry& dir = *nd.parent.dentry;
  absl::MutexLock l(&dir.d_inode->i_mutex);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> child, lookup_create(t, nd));
  switch (mode & S_IFMT) {
    case 0:
    case S_IFREG:
      return vfs_create(t, dir, child, mode);
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
      return may_create_then_eperm(t, dir, *child);
    default:
      return Errno(EINVAL);
  }
}

// sys_symlinkat(): the target is only a name (ENOENT if empty).
Errno do_symlink(vfs_task& t, const char* oldname, const char* newname) {
  UK_ASSIGN_OR_RETURN(std::string_view target, getname(oldname));
  (void)target;
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(newname));
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, name));
  dentry& dir = *nd.parent.dentry;
  absl::MutexLock l(&dir.d_inode->i_mutex);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> child, lookup_create(t, nd));
  return may_create_then_eperm(t, dir, *child);
}

// sys_linkat() without AT_SYMLINK_FOLLOW: an existing name (ENOENT), both on one mount
// (EXDEV, vfs_link's other super_block).
Errno do_link(vfs_task& t, const char* oldname, const char* newname) {
  UK_ASSIGN_OR_RETURN(std::string_view from, getname(oldname));
  UK_ASSIGN_OR_RETURN(std::string_view to, getname(newname));
  UK_ASSIGN_OR_RETURN(path old_path, path_lookup(t, from));
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, to));
  if (old_path.mnt != nd.parent.mnt) return Errno(EXDEV);
  dentry& dir = *nd.parent.dentry;
  absl::MutexLock l(&dir.d_inode->i_mutex);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> child, lookup_create(t, nd));
  return may_create_then_eperm(t, dir, *child);
}

Errno do_rmdir(vfs_task& t, const char* pathname) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(pathname));
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, name));
  if (nd.last == "..") return Errno(ENOTEMPTY);
  if (nd.last == ".") return Errno(EINVAL);
  if (nd.last.empty()) return Errno(EBUSY);  // "/"
  dentry& dir = *nd.parent.dentry;
  absl::MutexLock l(&dir.d_inode->i_mutex);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> victim, lookup_hash(t, nd.parent, nd.last));
  return vfs_rmdir(t, dir, victim);
}

Errno do_unlink(vfs_task& t, const char* pathname) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(pathname));
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, name));
  if (!last_is_norm(nd)) return Errno(EISDIR);
  dentry& dir = *nd.parent.dentry;
  absl::MutexLock l(&dir.d_inode->i_mutex);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> victim, lookup_hash(t, nd.parent, nd.last));
  if (nd.trailing_slash) {  // "Why not before? Because we want correct error value"
    if (!victim->d_inode) return Errno(ENOENT);
    return Errno(victim->d_inode->is_dir() ? EISDIR : ENOTDIR);
  }
  return vfs_unlink(t, dir, victim);
}

Errno do_rename(vfs_task& t, const char* oldname, const char* newname) {
  UK_ASSIGN_OR_RETURN(std::string_view from, getname(oldname));
  UK_ASSIGN_OR_RETURN(std::string_view to, getname(newname));
  UK_ASSIGN_OR_RETURN(nameidata oldnd, path_lookup_parent(t, from));
  UK_ASSIGN_OR_RETURN(nameidata newnd, path_lookup_parent(t, to));
  if (oldnd.parent.mnt != newnd.parent.mnt) return Errno(EXDEV);
  if (!last_is_norm(oldnd) || !last_is_norm(newnd)) return Errno(EBUSY);
  dentry& old_dir = *oldnd.parent.dentry;
  dentry& new_dir = *newnd.parent.dentry;
  rename_lock locks(*t.mnt_ns, new_dir, old_dir);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> old_dentry, lookup_hash(t, oldnd.parent, oldnd.last));
  if (!old_dentry->d_inode) return Errno(ENOENT);
  // Unless the source is a directory, trailing slashes give ENOTDIR.
  if (!old_dentry->d_inode->is_dir() && (oldnd.trailing_slash || newnd.trailing_slash)) {
    return Errno(ENOTDIR);
  }
  if (old_dentry.get() == locks.trap()) return Errno(EINVAL);  // into its own subtree
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> new_dentry, lookup_hash(t, newnd.parent, newnd.last));
  if (new_dentry.get() == locks.trap()) return Errno(ENOTEMPTY);  // over its own ancestor
  return vfs_rename(t, old_dir, old_dentry, new_dir, new_dentry);
}

}  // namespace

Errno vfs_create(const vfs_task& t, dentry& dir, const std::shared_ptr<dentry>& child,
                 umode_t mode) {
  UK_TRY(may_create(t, dir, *child));
  mode = (mode & S_IALLUGO) | S_IFREG;
  inode& di = *dir.d_inode;
  UK_TRY(i_op_of(di).create(di, *child, mode));
  UK_CHECK(child->d_inode != nullptr);
  d_pin(child);
  return kOk;
}

ErrorOr<std::shared_ptr<dentry>> vfs_mkdir(const std::shared_ptr<dentry>& dir,
                                           std::string_view name, umode_t mode) {
  const vfs_task* t = current();
  const vfs_task& cred = t ? *t : kernel_cred();
  absl::MutexLock l(&dir->d_inode->i_mutex);
  UK_TRY(permission(*dir->d_inode, MAY_EXEC, cred));
  UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> child, lookup_one(path{nullptr, dir}, name));
  UK_TRY(vfs_mkdir_locked(cred, *dir, child, mode));
  return child;
}

long sys_mkdir(vfs_task& t, const char* pathname, mode_t mode) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::mkdir, &t);
  if (e.recording()) e->path = pathname ? pathname : "", e->mode = mode;
  return e.done(to_syscall_result(do_mkdir(t, pathname, mode)));
}

long sys_mknod(vfs_task& t, const char* pathname, mode_t mode) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::mknod, &t);
  if (e.recording()) e->path = pathname ? pathname : "", e->mode = mode;
  return e.done(to_syscall_result(do_mknod(t, pathname, mode)));
}

long sys_symlink(vfs_task& t, const char* oldname, const char* newname) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::symlink, &t);
  if (e.recording()) e->path = oldname ? oldname : "", e->path2 = newname ? newname : "";
  return e.done(to_syscall_result(do_symlink(t, oldname, newname)));
}

long sys_link(vfs_task& t, const char* oldname, const char* newname) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::link, &t);
  if (e.recording()) e->path = oldname ? oldname : "", e->path2 = newname ? newname : "";
  return e.done(to_syscall_result(do_link(t, oldname, newname)));
}

long sys_rmdir(vfs_task& t, const char* pathname) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::rmdir, &t);
  if (e.recording()) e->path = pathname ? pathname : "";
  return e.done(to_syscall_result(do_rmdir(t, pathname)));
}

long sys_unlink(vfs_task& t, const char* pathname) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::unlink, &t);
  if (e.recording()) e->path = pathname ? pathname : "";
  return e.done(to_syscall_result(do_unlink(t, pathname)));
}

long sys_rename(vfs_task& t, const char* oldname, const char* newname) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::rename, &t);
  if (e.recording()) e->path = oldname ? oldname : "", e->path2 = newname ? newname : "";
  return e.done(to_syscall_result(do_rename(t, oldname, newname)));
}

}  // namespace uk
