// fs/open.c and fs/attr.c: open/close, truncation (O_TRUNC, truncate, ftruncate),
// chdir/fchdir, chmod/chown (notify_change) and statfs/fstatfs.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <cstring>

#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/mount.h"
#include "vfs/namei.h"
#include "vfs/super.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

Errno notify_change(const vfs_task& t, dentry& d, iattr& attr) {
  inode& i = *d.d_inode;
  UK_TRY(inode_change_ok(i, attr, t));
  return i_op_of(i).setattr(d, attr);
}

Errno do_truncate(const vfs_task& t, dentry& d, loff_t length) {
  if (length < 0) return Errno(EINVAL);
  iattr attr;
  attr.ia_valid = iattr::ATTR_SIZE | iattr::ATTR_MTIME | iattr::ATTR_CTIME;
  attr.ia_size = length;
  absl::MutexLock l(&d.d_inode->i_mutex);
  return notify_change(t, d, attr);
}

namespace {

// ACC_MODE(): the permission an access mode needs; 3 (no access) needs both.
int acc_mode_of(int flags) {
  switch (flags & O_ACCMODE) {
    case O_RDONLY:
      return MAY_READ;
    case O_WRONLY:
      return MAY_WRITE;
    default:
      return MAY_READ | MAY_WRITE;
  }
}

// may_open(): EISDIR for a directory opened for writing, EROFS/EACCES from
// permission(), then O_TRUNC.
Errno may_open(const vfs_task& t, const path& p, int acc_mode, int flags) {
  inode* i = p.dentry->d_inode.get();
  if (i == nullptr) return Errno(ENOENT);
  if (i->is_dir() && (acc_mode & MAY_WRITE)) return Errno(EISDIR);
  UK_TRY(permission(*i, acc_mode, t));
  if (flags & O_TRUNC) UK_TRY(do_truncate(t, *p.dentry, 0));
  return kOk;
}

// open_namei() + nameidata_to_filp().
ErrorOr<std::shared_ptr<file>> do_filp_open(vfs_task& t, std::string_view name, int flags,
                                            mode_t mode) {
  int acc_mode = acc_mode_of(flags);
  if (flags & O_TRUNC) acc_mode |= MAY_WRITE;  // O_TRUNC implies write permission
  path p;
  if (!(flags & O_CREAT)) {
    unsigned lookup_flags = LOOKUP_FOLLOW;
    if (flags & O_DIRECTORY) lookup_flags |= LOOKUP_DIRECTORY;
    // A file that fails its open with ENOENT because its name went after the lookup
    // found it (a tasks file of a container removed meanwhile) is looked up again, as
    // a stale walk is (namei.cc): the answer is then the tree's at the open's commit
    // point (vfs/entry_recorder.h). Bounded as the walk is.
    constexpr int kWalks = 8;
    for (int walk = 1;; walk++) {
      UK_ASSIGN_OR_RETURN(p, path_lookup(t, name, lookup_flags));
      UK_TRY(may_open(t, p, acc_mode, flags));
      ErrorOr<std::shared_ptr<file>> f = dentry_open(p, flags);
      if (f.ok() || f.error().code() != ENOENT || walk == kWalks || !d_unhashed(*p.dentry)) {
        return f;
      }
    }
  } else {
    UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, name));
    // "check that we are not asked to creat(2) an obvious directory"
    if (!last_is_norm(nd) || nd.trailing_slash) return Errno(EISDIR);
    mode_t umask;
    {
      absl::MutexLock l(&t.fs->lock);
      umask = t.fs->umask;
    }
    dentry& dir = *nd.parent.dentry;
    bool created = false;
    {
      absl::MutexLock l(&dir.d_inode->i_mutex);
      UK_ASSIGN_OR_RETURN(std::shared_ptr<dentry> child, lookup_hash(t, nd.parent, nd.last));
      if (!child->d_inode) {
        UK_TRY(vfs_create(t, dir, child, mode & ~umask));
        created = true;
      }
      p = path{nd.parent.mnt, std::move(child)};
    }
    if (created) {
      // open_namei_create(): "Don't check for write permission, don't truncate".
      acc_mode = 0;
      flags &= ~O_TRUNC;
    } else {
      if (flags & O_EXCL) return Errno(EEXIST);
      p = follow_mounts(*t.mnt_ns, std::move(p));
      if (p.dentry->d_inode->is_dir()) return Errno(EISDIR);
    }
  }
  UK_TRY(may_open(t, p, acc_mode, flags));
  return dentry_open(p, flags);
}

// do_sys_open(): the fd is reserved first (EMFILE before any lookup error), the file
// opened, then installed in the lowest free slot.
ErrorOr<int> do_sys_open(vfs_task& t, const char* filename, int flags, mode_t mode) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(filename));
  check_task(t);
  {
    absl::MutexLock l(&t.files->file_lock);
    UK_TRY(t.files->get_unused_fd());
  }
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, do_filp_open(t, name, flags, mode));
  absl::MutexLock l(&t.files->file_lock);
  // Another thread of a CLONE_FILES group may have taken the last slot meanwhile; then
  // `f` is released after the lock goes (declared before it).
  UK_ASSIGN_OR_RETURN(int fd, t.files->get_unused_fd());
  t.files->fd_install(fd, std::move(f), (flags & O_CLOEXEC) != 0);
  return fd;
}

Errno set_fs_pwd(vfs_task& t, path p) {
  absl::MutexLock l(&t.fs->lock);
  std::swap(t.fs->pwd, p);
  return kOk;  // the old cwd is released in `p`, after the lock (declared before it)
}

Errno do_chdir(vfs_task& t, const char* filename) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(filename));
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY));
  UK_TRY(permission(*p.dentry->d_inode, MAY_EXEC, t));
  return set_fs_pwd(t, std::move(p));
}

Errno do_fchdir(vfs_task& t, int fd) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  if (!f->f_inode->is_dir()) return Errno(ENOTDIR);
  UK_TRY(permission(*f->f_inode, MAY_EXEC, t));
  return set_fs_pwd(t, f->f_path);
}

// do_sys_truncate(): a regular file the caller may write.
Errno do_sys_truncate(vfs_task& t, const char* filename, loff_t length) {
  if (length < 0) return Errno(EINVAL);
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(filename));
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, name, LOOKUP_FOLLOW));
  inode& i = *p.dentry->d_inode;
  if (i.is_dir()) return Errno(EISDIR);
  if (!S_ISREG(i.i_mode)) return Errno(EINVAL);
  UK_TRY(permission(i, MAY_WRITE, t));
  if (is_rdonly(i)) return Errno(EROFS);
  return do_truncate(t, *p.dentry, length);
}

// do_sys_ftruncate(): a regular file open for writing.
Errno do_sys_ftruncate(vfs_task& t, int fd, loff_t length) {
  if (length < 0) return Errno(EINVAL);
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  if (!S_ISREG(f->f_inode->i_mode) || !(f->f_mode & file::FMODE_WRITE)) return Errno(EINVAL);
  return do_truncate(t, *f->f_path.dentry, length);
}

// sys_fchmodat(): EROFS, then the owner check in notify_change.
Errno do_chmod(vfs_task& t, const char* filename, mode_t mode) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(filename));
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, name, LOOKUP_FOLLOW));
  inode& i = *p.dentry->d_inode;
  if (is_rdonly(i)) return Errno(EROFS);
  absl::MutexLock l(&i.i_mutex);
  if (mode == static_cast<mode_t>(-1)) mode = i.i_mode;
  iattr attr;
  attr.ia_valid = iattr::ATTR_MODE | iattr::ATTR_CTIME;
  attr.ia_mode = (mode & S_IALLUGO) | (i.i_mode & ~S_IALLUGO);
  return notify_change(t, *p.dentry, attr);
}

// chown_common(): -1 leaves an id alone; a non-directory loses S_ISUID, and S_ISGID
// when group-executable (ATTR_KILL_SUID/ATTR_KILL_SGID in notify_change).
Errno do_chown(vfs_task& t, const char* filename, uid_t user, gid_t group) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(filename));
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, name, LOOKUP_FOLLOW));
  inode& i = *p.dentry->d_inode;
  if (is_rdonly(i)) return Errno(EROFS);
  absl::MutexLock l(&i.i_mutex);
  iattr attr;
  attr.ia_valid = iattr::ATTR_CTIME;
  if (user != static_cast<uid_t>(-1)) {
    attr.ia_valid |= iattr::ATTR_UID;
    attr.ia_uid = user;
  }
  if (group != static_cast<gid_t>(-1)) {
    attr.ia_valid |= iattr::ATTR_GID;
    attr.ia_gid = group;
  }
  if (!i.is_dir()) {
    umode_t kill = 0;
    if (i.i_mode & S_ISUID) kill |= S_ISUID;
    if ((i.i_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) kill |= S_ISGID;
    if (kill) {
      attr.ia_valid |= iattr::ATTR_MODE;
      attr.ia_mode = i.i_mode & ~kill;
    }
  }
  return notify_change(t, *p.dentry, attr);
}

// include/linux/statfs.h: f_flags is valid (glibc's statvfs takes it then, and clears it).
constexpr long kStValid = 0x0020;

// calculate_f_flags() (fs/statfs.c): the mount's flags and its super_block's, as ST_*.
long calculate_f_flags(const vfsmount& mnt) {
  long flags = kStValid;
  const unsigned mnt_flags = mnt.mnt_flags;
  const unsigned long sb_flags = mnt.mnt_sb->s_flags;
  if ((mnt_flags & MNT_READONLY) || (sb_flags & MS_RDONLY)) flags |= ST_RDONLY;
  if (mnt_flags & MNT_NOSUID) flags |= ST_NOSUID;
  if (mnt_flags & MNT_NODEV) flags |= ST_NODEV;
  if (mnt_flags & MNT_NOEXEC) flags |= ST_NOEXEC;
  if (mnt_flags & MNT_NOATIME) flags |= ST_NOATIME;
  if (mnt_flags & MNT_NODIRATIME) flags |= ST_NODIRATIME;
  // Relatime unless noatime: path_mount()'s default, which this VFS's mounts take
  // (mounts_show() says relatime alike).
  if ((mnt_flags & MNT_RELATIME) || !(mnt_flags & MNT_NOATIME)) flags |= ST_RELATIME;
  if (sb_flags & MS_SYNCHRONOUS) flags |= ST_SYNCHRONOUS;
  if (sb_flags & MS_MANDLOCK) flags |= ST_MANDLOCK;
  return flags;
}

// vfs_statfs(): the filesystem's statfs (simple_statfs by default) on a zeroed buffer,
// then the flags of the mount it was reached through.
Errno vfs_statfs(const path& p, struct statfs* buf) {
  if (buf == nullptr) return Errno(EFAULT);
  std::memset(buf, 0, sizeof *buf);
  UK_CHECK(p.dentry->d_sb != nullptr);
  UK_TRY(s_op_of(*p.dentry->d_sb).statfs(*p.dentry, buf));
  if (buf->f_frsize == 0) buf->f_frsize = buf->f_bsize;
  if (p.mnt != nullptr) buf->f_flags = calculate_f_flags(*p.mnt);
  return kOk;
}

Errno do_statfs(vfs_task& t, const char* pathname, struct statfs* buf) {
  UK_ASSIGN_OR_RETURN(std::string_view name, getname(pathname));
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, name, LOOKUP_FOLLOW));
  return vfs_statfs(p, buf);
}

Errno do_fstatfs(vfs_task& t, int fd, struct statfs* buf) {
  check_task(t);
  UK_ASSIGN_OR_RETURN(std::shared_ptr<file> f, t.files->fget(fd));
  return vfs_statfs(f->f_path, buf);
}

}  // namespace

long sys_open(vfs_task& t, const char* filename, int flags, mode_t mode) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::open, &t);
  if (e.recording()) {
    e->path = filename ? filename : "";
    e->flags = static_cast<unsigned>(flags);
    e->mode = mode;
  }
  return e.done(to_syscall_result(do_sys_open(t, filename, flags, mode)));
}

long sys_close(vfs_task& t, int fd) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::close, &t);
  if (e.recording()) e->fd = fd;
  check_task(t);
  std::shared_ptr<file> f;
  {
    absl::MutexLock l(&t.files->file_lock);
    f = t.files->fd_remove(fd);
  }
  if (!f) return e.done(-EBADF);
  f.reset();  // fput(): release() if that was the last reference
  return e.done(0);
}

long sys_chdir(vfs_task& t, const char* filename) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::chdir, &t);
  if (e.recording()) e->path = filename ? filename : "";
  return e.done(to_syscall_result(do_chdir(t, filename)));
}

long sys_fchdir(vfs_task& t, int fd) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::fchdir, &t);
  if (e.recording()) e->fd = fd;
  return e.done(to_syscall_result(do_fchdir(t, fd)));
}

long sys_chmod(vfs_task& t, const char* filename, mode_t mode) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::chmod, &t);
  if (e.recording()) e->path = filename ? filename : "", e->mode = mode;
  return e.done(to_syscall_result(do_chmod(t, filename, mode)));
}

long sys_chown(vfs_task& t, const char* filename, uid_t user, gid_t group) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::chown, &t);
  if (e.recording()) e->path = filename ? filename : "", e->flags = user, e->arg = group;
  return e.done(to_syscall_result(do_chown(t, filename, user, group)));
}

long sys_truncate(vfs_task& t, const char* filename, loff_t length) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::truncate, &t);
  if (e.recording()) e->path = filename ? filename : "", e->arg = length;
  return e.done(to_syscall_result(do_sys_truncate(t, filename, length)));
}

long sys_ftruncate(vfs_task& t, int fd, loff_t length) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::ftruncate, &t);
  if (e.recording()) e->fd = fd, e->arg = length;
  return e.done(to_syscall_result(do_sys_ftruncate(t, fd, length)));
}

long sys_statfs(vfs_task& t, const char* pathname, struct statfs* buf) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::statfs, &t);
  if (e.recording()) e->path = pathname ? pathname : "";
  return e.done(to_syscall_result(do_statfs(t, pathname, buf)));
}

long sys_fstatfs(vfs_task& t, int fd, struct statfs* buf) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::fstatfs, &t);
  if (e.recording()) e->fd = fd;
  return e.done(to_syscall_result(do_fstatfs(t, fd, buf)));
}

}  // namespace uk
