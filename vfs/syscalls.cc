// The system calls (fs/namei.c, fs/open.c, fs/read_write.c, fs/readdir.c, fs/stat.c,
// fs/namespace.c). Each runs for task `t` as `current` and returns result or -errno.
#include "vfs/syscalls.h"

#include <sys/mount.h>

#include <cstring>
#include <optional>

#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/namei.h"
#include "vfs/super.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

// The lookup of a create-style call's last component, with the parent's i_mutex held
// by the caller.
ErrorOr<std::shared_ptr<dentry>> lookup_last(const path& parent, const std::string& last) {
  return lookup_one(parent, last);
}

// Pins `child` in its parent (a new name in the dcache).
void d_instantiate_pinned(vfs& v, const std::shared_ptr<dentry>& parent,
                          const std::shared_ptr<dentry>& child) {
  absl::MutexLock l(&v.dcache_lock);
  parent->d_lookup_cache.erase(child->d_name);
  parent->d_subdirs[child->d_name] = child;
}

// Unhashes `victim` (rmdir/unlink): unreachable by name, its pinned children gone.
void d_delete(vfs& v, const std::shared_ptr<dentry>& victim) {
  std::map<std::string, std::shared_ptr<dentry>, std::less<>> children;
  {
    absl::MutexLock l(&v.dcache_lock);
    if (victim->d_parent) {
      victim->d_parent->d_subdirs.erase(victim->d_name);
      victim->d_parent->d_lookup_cache.erase(victim->d_name);
    }
    victim->d_deleted = true;
    children.swap(victim->d_subdirs);
    for (auto& [n, c] : children) c->d_deleted = true;
  }
}

Errno may_delete(const inode& dir, const dentry& victim, bool isdir, vfs_task& t) {
  if (!victim.d_inode) return Errno(ENOENT);
  UK_TRY(permission(dir, MAY_WRITE | MAY_EXEC, t));
  if (isdir && !victim.d_inode->is_dir()) return Errno(ENOTDIR);
  if (!isdir && victim.d_inode->is_dir()) return Errno(EISDIR);
  if (victim.d_mounted > 0 || victim.is_root()) return Errno(EBUSY);
  return kOk;
}

Errno do_mkdir(vfs_task& t, const char* pathname, mode_t mode) {
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, pathname));
  if (nd.last.empty() || nd.last == "." || nd.last == "..") return Errno(EEXIST);
  mode_t umask;
  {
    absl::MutexLock l(&t.fs->lock);
    umask = t.fs->umask;
  }
  UK_TRY(vfs_mkdir(nd.parent.dentry, nd.last, mode & ~umask & 07777).error());
  return kOk;
}

Errno do_rmdir(vfs_task& t, const char* pathname) {
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, pathname));
  if (nd.last.empty()) return Errno(EBUSY);
  if (nd.last == ".") return Errno(EINVAL);
  if (nd.last == "..") return Errno(ENOTEMPTY);
  inode& dir = *nd.parent.dentry->d_inode;
  absl::MutexLock l(&dir.i_mutex);
  UK_ASSIGN_OR_RETURN(auto victim, lookup_last(nd.parent, nd.last));
  UK_TRY(may_delete(dir, *victim, true, t));
  absl::MutexLock vl(&victim->d_inode->i_mutex);
  UK_TRY(dir.i_op->rmdir(dir, *victim));
  d_delete(*t.mnt_ns, victim);
  return kOk;
}

Errno do_unlink(vfs_task& t, const char* pathname) {
  UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, pathname));
  if (nd.last.empty() || nd.last == "." || nd.last == "..") return Errno(EISDIR);
  inode& dir = *nd.parent.dentry->d_inode;
  absl::MutexLock l(&dir.i_mutex);
  UK_ASSIGN_OR_RETURN(auto victim, lookup_last(nd.parent, nd.last));
  UK_TRY(may_delete(dir, *victim, false, t));
  UK_TRY(dir.i_op->unlink(dir, *victim));
  d_delete(*t.mnt_ns, victim);
  return kOk;
}

bool is_ancestor(const std::shared_ptr<dentry>& maybe_ancestor, std::shared_ptr<dentry> d) {
  for (; d; d = d->d_parent) {
    if (d == maybe_ancestor) return true;
  }
  return false;
}

Errno do_rename(vfs_task& t, const char* oldname, const char* newname) {
  UK_ASSIGN_OR_RETURN(nameidata oldnd, path_lookup_parent(t, oldname));
  UK_ASSIGN_OR_RETURN(nameidata newnd, path_lookup_parent(t, newname));
  if (oldnd.parent.mnt != newnd.parent.mnt) return Errno(EXDEV);
  if (oldnd.last.empty() || oldnd.last == "." || oldnd.last == "..") return Errno(EBUSY);
  if (newnd.last.empty() || newnd.last == "." || newnd.last == "..") return Errno(EBUSY);
  vfs& v = *t.mnt_ns;
  absl::MutexLock rl(&v.rename_mutex);
  inode& olddir = *oldnd.parent.dentry->d_inode;
  inode& newdir = *newnd.parent.dentry->d_inode;
  absl::MutexLock l1(&olddir.i_mutex);
  std::optional<absl::MutexLock> l2;
  if (&newdir != &olddir) l2.emplace(&newdir.i_mutex);
  UK_ASSIGN_OR_RETURN(auto old_d, lookup_last(oldnd.parent, oldnd.last));
  if (!old_d->d_inode) return Errno(ENOENT);
  UK_ASSIGN_OR_RETURN(auto new_d, lookup_last(newnd.parent, newnd.last));
  if (old_d == new_d) return kOk;
  bool isdir = old_d->d_inode->is_dir();
  UK_TRY(permission(olddir, MAY_WRITE | MAY_EXEC, t));
  UK_TRY(permission(newdir, MAY_WRITE | MAY_EXEC, t));
  if (isdir && is_ancestor(old_d, newnd.parent.dentry)) return Errno(EINVAL);
  if (new_d->d_inode) {
    if (isdir && !new_d->d_inode->is_dir()) return Errno(ENOTDIR);
    if (!isdir && new_d->d_inode->is_dir()) return Errno(EISDIR);
  }
  if (old_d->d_mounted > 0 || new_d->d_mounted > 0) return Errno(EBUSY);
  UK_TRY(olddir.i_op->rename(olddir, *old_d, newdir, *new_d));
  // d_move(): the old name goes, the dentry takes the new name and parent.
  absl::MutexLock l(&v.dcache_lock);
  oldnd.parent.dentry->d_subdirs.erase(old_d->d_name);
  if (new_d->d_inode) new_d->d_deleted = true;
  old_d->d_name = newnd.last;
  old_d->d_parent = newnd.parent.dentry;
  newnd.parent.dentry->d_lookup_cache.erase(newnd.last);
  newnd.parent.dentry->d_subdirs[newnd.last] = old_d;
  return kOk;
}

ErrorOr<int> install_fd(vfs_task& t, std::shared_ptr<file> f, bool cloexec) {
  absl::MutexLock l(&t.files->file_lock);
  UK_ASSIGN_OR_RETURN(int fd, t.files->get_unused_fd());
  t.files->fd[fd] = std::move(f);
  t.files->close_on_exec[fd] = cloexec;
  return fd;
}

ErrorOr<int> do_open(vfs_task& t, const char* filename, int flags, mode_t mode) {
  path p;
  if (flags & O_CREAT) {
    UK_ASSIGN_OR_RETURN(nameidata nd, path_lookup_parent(t, filename));
    if (nd.last.empty() || nd.last == "." || nd.last == ".." || nd.trailing_slash) {
      return Errno(EISDIR);
    }
    inode& dir = *nd.parent.dentry->d_inode;
    absl::MutexLock l(&dir.i_mutex);
    UK_ASSIGN_OR_RETURN(auto d, lookup_last(nd.parent, nd.last));
    if (d->d_inode) {
      if (flags & O_EXCL) return Errno(EEXIST);
      p = follow_mounts(*t.mnt_ns, path{nd.parent.mnt, d});
    } else {
      UK_TRY(permission(dir, MAY_WRITE | MAY_EXEC, t));
      mode_t umask;
      {
        absl::MutexLock fl(&t.fs->lock);
        umask = t.fs->umask;
      }
      UK_TRY(dir.i_op->create(dir, *d, mode & ~umask & 07777));
      d_instantiate_pinned(*t.mnt_ns, nd.parent.dentry, d);
      p = path{nd.parent.mnt, d};
      flags &= ~O_TRUNC;
    }
  } else {
    UK_ASSIGN_OR_RETURN(p, path_lookup(t, filename, (flags & O_DIRECTORY) ? LOOKUP_DIRECTORY : 0));
  }
  std::shared_ptr<inode> i = p.dentry->d_inode;
  int acc = flags & O_ACCMODE;
  if (i->is_dir() && acc != O_RDONLY) return Errno(EISDIR);
  if ((flags & O_DIRECTORY) && !i->is_dir()) return Errno(ENOTDIR);
  int mask = 0;
  if (acc == O_RDONLY || acc == O_RDWR) mask |= MAY_READ;
  if (acc == O_WRONLY || acc == O_RDWR) mask |= MAY_WRITE;
  UK_TRY(permission(*i, mask, t));
  std::shared_ptr<file> f(new file, [](file* f) {
    if (f->f_op) f->f_op->release(*f->f_inode, *f);
    delete f;
  });
  f->f_path = p;
  f->f_inode = i;
  f->f_flags = flags;
  f->f_mode = (mask & MAY_READ ? file::FMODE_READ : 0) | (mask & MAY_WRITE ? file::FMODE_WRITE : 0);
  Errno err = i->i_fop->open(*i, *f);
  if (!err.ok()) {
    f->f_op = nullptr;  // not opened: no release
    return err;
  }
  f->f_op = i->i_fop;
  if ((flags & O_TRUNC) && S_ISREG(i->i_mode) && (mask & MAY_WRITE)) {
    // ramfs-style truncate: only files the VFS sized.
    i->i_size = 0;
    loff_t pos = 0;
    (void)pos;
  }
  return install_fd(t, std::move(f), flags & O_CLOEXEC);
}

ErrorOr<std::shared_ptr<file>> fget(vfs_task& t, int fd) {
  if (!t.files) return Errno(EBADF);
  return t.files->fget(fd);
}

ErrorOr<size_t> do_read(vfs_task& t, int fd, void* buf, size_t count, loff_t* at) {
  UK_ASSIGN_OR_RETURN(auto f, fget(t, fd));
  if (!(f->f_mode & file::FMODE_READ)) return Errno(EBADF);
  if (at != nullptr) return f->f_op->read(*f, static_cast<char*>(buf), count, at);
  absl::MutexLock l(&f->f_pos_lock);
  return f->f_op->read(*f, static_cast<char*>(buf), count, &f->f_pos);
}

ErrorOr<size_t> do_write(vfs_task& t, int fd, const void* buf, size_t count, loff_t* at) {
  UK_ASSIGN_OR_RETURN(auto f, fget(t, fd));
  if (!(f->f_mode & file::FMODE_WRITE)) return Errno(EBADF);
  if (at != nullptr) return f->f_op->write(*f, static_cast<const char*>(buf), count, at);
  absl::MutexLock l(&f->f_pos_lock);
  return f->f_op->write(*f, static_cast<const char*>(buf), count, &f->f_pos);
}

ErrorOr<long> do_getdents64(vfs_task& t, int fd, void* dirp, size_t count) {
  UK_ASSIGN_OR_RETURN(auto f, fget(t, fd));
  if (!f->f_inode->is_dir()) return Errno(ENOTDIR);
  char* out = static_cast<char*>(dirp);
  size_t used = 0;
  bool too_small = false;
  UK_TRY(f->f_op->readdir(*f, [&](std::string_view name, unsigned long ino, unsigned char type) {
    size_t reclen = (offsetof(linux_dirent64, d_name) + name.size() + 1 + 7) & ~size_t{7};
    if (used + reclen > count) {
      if (used == 0) too_small = true;
      return false;
    }
    auto* d = reinterpret_cast<linux_dirent64*>(out + used);
    d->d_ino = ino;
    d->d_reclen = reclen;
    d->d_type = type;
    std::memcpy(d->d_name, name.data(), name.size());
    std::memset(d->d_name + name.size(), 0,
                reclen - offsetof(linux_dirent64, d_name) - name.size());
    used += reclen;
    d->d_off = used;
    return true;
  }));
  if (too_small) return Errno(EINVAL);
  return static_cast<long>(used);
}

Errno do_chdir(vfs_task& t, const path& p) {
  if (!p.dentry->d_inode->is_dir()) return Errno(ENOTDIR);
  UK_TRY(permission(*p.dentry->d_inode, MAY_EXEC, t));
  absl::MutexLock l(&t.fs->lock);
  t.fs->pwd = p;
  return kOk;
}

Errno do_setattr(vfs_task& t, const char* filename, const iattr& attr) {
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, filename));
  inode& i = *p.dentry->d_inode;
  if ((attr.ia_valid & (iattr::ATTR_UID | iattr::ATTR_GID)) && t.euid != 0) return Errno(EPERM);
  if ((attr.ia_valid & iattr::ATTR_MODE) && t.fsuid != 0 && t.fsuid != i.i_uid) {
    return Errno(EPERM);
  }
  absl::MutexLock l(&i.i_mutex);
  return i.i_op->setattr(*p.dentry, attr);
}

Errno do_mount(vfs_task& t, const char* dev_name, const char* dir_name, const char* type,
               unsigned long flags, const void* data) {
  if (!t.capable()) return Errno(EPERM);
  UK_ASSIGN_OR_RETURN(path p, path_lookup(t, dir_name));
  const char* opts = static_cast<const char*>(data);
  if (flags & MS_REMOUNT) return t.mnt_ns->do_remount(p, flags, opts);
  if (flags & MS_BIND) {
    UK_ASSIGN_OR_RETURN(path src, path_lookup(t, dev_name));
    return t.mnt_ns->do_bind_mount(p, src);
  }
  if (type == nullptr) return Errno(EINVAL);
  if (!p.dentry->d_inode->is_dir()) return Errno(ENOTDIR);
  return t.mnt_ns->do_new_mount(p, type, flags, dev_name != nullptr ? dev_name : "", opts);
}

}  // namespace

ErrorOr<std::shared_ptr<dentry>> vfs_mkdir(const std::shared_ptr<dentry>& dir_dentry,
                                           std::string_view name, umode_t mode) {
  vfs_task& t = *current();
  inode& dir = *dir_dentry->d_inode;
  if (name.size() > NAME_MAX) return Errno(ENAMETOOLONG);
  absl::MutexLock l(&dir.i_mutex);
  if (dir_dentry->d_deleted) return Errno(ENOENT);
  // The mount is irrelevant for a lookup in one directory.
  UK_ASSIGN_OR_RETURN(auto child, lookup_one(path{nullptr, dir_dentry}, name));
  if (child->d_inode) return Errno(EEXIST);
  UK_TRY(permission(dir, MAY_WRITE | MAY_EXEC, t));
  UK_TRY(dir.i_op->mkdir(dir, *child, mode));
  d_instantiate_pinned(*t.mnt_ns, dir_dentry, child);
  return child;
}

#define UK_SYSCALL_ENTRY(t) current_scope uk_current_scope_(t)

long sys_mount(vfs_task& t, const char* dev_name, const char* dir_name, const char* type,
               unsigned long flags, const void* data) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_mount(t, dev_name, dir_name, type, flags, data));
}

long sys_umount(vfs_task& t, const char* name, int flags) {
  UK_SYSCALL_ENTRY(t);
  if (!t.capable()) return -EPERM;
  auto p = path_lookup(t, name);
  if (!p.ok()) return to_syscall_result(p.error());
  return to_syscall_result(t.mnt_ns->do_umount(p.value(), flags));
}

long sys_mkdir(vfs_task& t, const char* pathname, mode_t mode) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_mkdir(t, pathname, mode));
}

long sys_rmdir(vfs_task& t, const char* pathname) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_rmdir(t, pathname));
}

long sys_unlink(vfs_task& t, const char* pathname) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_unlink(t, pathname));
}

long sys_rename(vfs_task& t, const char* oldname, const char* newname) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_rename(t, oldname, newname));
}

long sys_open(vfs_task& t, const char* filename, int flags, mode_t mode) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_open(t, filename, flags, mode));
}

long sys_close(vfs_task& t, int fd) {
  UK_SYSCALL_ENTRY(t);
  std::shared_ptr<file> f;  // released outside the lock
  absl::MutexLock l(&t.files->file_lock);
  if (fd < 0 || fd >= static_cast<int>(t.files->fd.size()) || !t.files->fd[fd]) return -EBADF;
  f = std::move(t.files->fd[fd]);
  t.files->close_on_exec[fd] = false;
  return 0;
}

long sys_read(vfs_task& t, int fd, void* buf, size_t count) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_read(t, fd, buf, count, nullptr));
}

long sys_write(vfs_task& t, int fd, const void* buf, size_t count) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_write(t, fd, buf, count, nullptr));
}

long sys_pread64(vfs_task& t, int fd, void* buf, size_t count, loff_t pos) {
  UK_SYSCALL_ENTRY(t);
  if (pos < 0) return -EINVAL;
  return to_syscall_result(do_read(t, fd, buf, count, &pos));
}

long sys_pwrite64(vfs_task& t, int fd, const void* buf, size_t count, loff_t pos) {
  UK_SYSCALL_ENTRY(t);
  if (pos < 0) return -EINVAL;
  return to_syscall_result(do_write(t, fd, buf, count, &pos));
}

long sys_lseek(vfs_task& t, int fd, loff_t offset, int whence) {
  UK_SYSCALL_ENTRY(t);
  auto f = fget(t, fd);
  if (!f.ok()) return to_syscall_result(f.error());
  return to_syscall_result(f.value()->f_op->llseek(*f.value(), offset, whence));
}

long sys_dup(vfs_task& t, int fd) {
  UK_SYSCALL_ENTRY(t);
  auto f = fget(t, fd);
  if (!f.ok()) return to_syscall_result(f.error());
  return to_syscall_result(install_fd(t, f.value(), false));
}

long sys_dup2(vfs_task& t, int oldfd, int newfd) {
  UK_SYSCALL_ENTRY(t);
  auto f = fget(t, oldfd);
  if (!f.ok()) return to_syscall_result(f.error());
  if (newfd < 0 || newfd >= files_struct::NR_OPEN_DEFAULT) return -EBADF;
  std::shared_ptr<file> old;
  absl::MutexLock l(&t.files->file_lock);
  if (newfd >= static_cast<int>(t.files->fd.size())) {
    t.files->fd.resize(newfd + 1);
    t.files->close_on_exec.resize(newfd + 1);
  }
  old = std::move(t.files->fd[newfd]);
  t.files->fd[newfd] = f.value();
  t.files->close_on_exec[newfd] = false;
  return newfd;
}

long sys_getdents64(vfs_task& t, int fd, void* dirp, size_t count) {
  UK_SYSCALL_ENTRY(t);
  return to_syscall_result(do_getdents64(t, fd, dirp, count));
}

long sys_stat(vfs_task& t, const char* filename, struct stat* st) {
  UK_SYSCALL_ENTRY(t);
  auto p = path_lookup(t, filename);
  if (!p.ok()) return to_syscall_result(p.error());
  generic_fillattr(*p.value().dentry->d_inode, st);
  return 0;
}

long sys_fstat(vfs_task& t, int fd, struct stat* st) {
  UK_SYSCALL_ENTRY(t);
  auto f = fget(t, fd);
  if (!f.ok()) return to_syscall_result(f.error());
  generic_fillattr(*f.value()->f_inode, st);
  return 0;
}

long sys_statfs(vfs_task& t, const char* pathname, struct statfs* buf) {
  UK_SYSCALL_ENTRY(t);
  auto p = path_lookup(t, pathname);
  if (!p.ok()) return to_syscall_result(p.error());
  dentry& d = *p.value().dentry;
  return to_syscall_result(d.d_sb->s_op->statfs(d, buf));
}

long sys_fstatfs(vfs_task& t, int fd, struct statfs* buf) {
  UK_SYSCALL_ENTRY(t);
  auto f = fget(t, fd);
  if (!f.ok()) return to_syscall_result(f.error());
  dentry& d = *f.value()->f_path.dentry;
  return to_syscall_result(d.d_sb->s_op->statfs(d, buf));
}

long sys_chdir(vfs_task& t, const char* filename) {
  UK_SYSCALL_ENTRY(t);
  auto p = path_lookup(t, filename);
  if (!p.ok()) return to_syscall_result(p.error());
  return to_syscall_result(do_chdir(t, p.value()));
}

long sys_fchdir(vfs_task& t, int fd) {
  UK_SYSCALL_ENTRY(t);
  auto f = fget(t, fd);
  if (!f.ok()) return to_syscall_result(f.error());
  return to_syscall_result(do_chdir(t, f.value()->f_path));
}

long sys_getcwd(vfs_task& t, char* buf, size_t size) {
  UK_SYSCALL_ENTRY(t);
  path pwd;
  {
    absl::MutexLock l(&t.fs->lock);
    pwd = t.fs->pwd;
  }
  std::string s = t.mnt_ns->d_path(pwd);
  if (s.size() + 1 > size) return -ERANGE;
  std::memcpy(buf, s.c_str(), s.size() + 1);
  return static_cast<long>(s.size() + 1);
}

long sys_chmod(vfs_task& t, const char* filename, mode_t mode) {
  UK_SYSCALL_ENTRY(t);
  iattr a;
  a.ia_valid = iattr::ATTR_MODE;
  a.ia_mode = mode;
  return to_syscall_result(do_setattr(t, filename, a));
}

long sys_chown(vfs_task& t, const char* filename, uid_t user, gid_t group) {
  UK_SYSCALL_ENTRY(t);
  iattr a;
  if (user != static_cast<uid_t>(-1)) {
    a.ia_valid |= iattr::ATTR_UID;
    a.ia_uid = user;
  }
  if (group != static_cast<gid_t>(-1)) {
    a.ia_valid |= iattr::ATTR_GID;
    a.ia_gid = group;
  }
  return to_syscall_result(do_setattr(t, filename, a));
}

}  // namespace uk
