// The small pieces of the VFS objects: errno checks, `current`, inode defaults and
// permission, dentry allocation, default file operations, super_block teardown,
// fs_struct/files_struct copies.
#include <dirent.h>

#include <cstdio>
#include <cstring>

#include "vfs/dentry.h"
#include "vfs/errno.h"
#include "vfs/file.h"
#include "vfs/fs_struct.h"
#include "vfs/inode.h"
#include "vfs/super.h"
#include "vfs/vfs_task.h"

namespace uk {

void check_failed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "uk: invariant failed: %s at %s:%d\n", cond, file, line);
  std::abort();
}

// --- current ---

namespace {
thread_local vfs_task* current_task_ptr = nullptr;
}  // namespace

vfs_task* current() { return current_task_ptr; }
current_scope::current_scope(vfs_task& t) : saved_(current_task_ptr) { current_task_ptr = &t; }
current_scope::~current_scope() { current_task_ptr = saved_; }

// --- inode ---

ErrorOr<std::shared_ptr<inode>> inode_operations::lookup(inode& dir, std::string_view name) const {
  return Errno(ENOENT);
}
Errno inode_operations::mkdir(inode& dir, dentry& child, umode_t mode) const {
  return Errno(EPERM);
}
Errno inode_operations::rmdir(inode& dir, dentry& child) const { return Errno(EPERM); }
Errno inode_operations::create(inode& dir, dentry& child, umode_t mode) const {
  return Errno(EACCES);
}
Errno inode_operations::unlink(inode& dir, dentry& child) const { return Errno(EPERM); }
Errno inode_operations::rename(inode& old_dir, dentry& old_dentry, inode& new_dir,
                               dentry& new_dentry) const {
  return Errno(EPERM);
}
Errno inode_operations::setattr(dentry& d, const iattr& attr) const {
  inode_setattr(*d.d_inode, attr);
  return kOk;
}

void inode_setattr(inode& i, const iattr& attr) {
  if (attr.ia_valid & iattr::ATTR_MODE) i.i_mode = (i.i_mode & S_IFMT) | (attr.ia_mode & 07777);
  if (attr.ia_valid & iattr::ATTR_UID) i.i_uid = attr.ia_uid;
  if (attr.ia_valid & iattr::ATTR_GID) i.i_gid = attr.ia_gid;
  clock_gettime(CLOCK_REALTIME, &i.i_ctime);
}

void generic_fillattr(const inode& i, struct stat* st) {
  std::memset(st, 0, sizeof *st);
  st->st_dev = reinterpret_cast<uintptr_t>(i.i_sb) & 0xffffffff;
  st->st_ino = i.i_ino;
  st->st_mode = i.i_mode;
  st->st_nlink = i.i_nlink;
  st->st_uid = i.i_uid;
  st->st_gid = i.i_gid;
  st->st_size = i.i_size;
  st->st_blksize = 4096;
  st->st_blocks = (i.i_size + 511) / 512;
  st->st_atim = i.i_atime;
  st->st_mtim = i.i_mtime;
  st->st_ctim = i.i_ctime;
}

// generic_permission(): owner, group, other bits; root may do anything but execute a
// file without any x bit.
Errno permission(const inode& i, int mask, const vfs_task& t) {
  umode_t mode = i.i_mode;
  if (t.fsuid == 0) {
    if (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & 0111)) return kOk;
    return Errno(EACCES);
  }
  if (t.fsuid == i.i_uid) {
    mode >>= 6;
  } else if (t.fsgid == i.i_gid) {
    mode >>= 3;
  }
  if ((mask & ~mode & 7) == 0) return kOk;
  return Errno(EACCES);
}

// --- dentry ---

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

// --- file ---

ErrorOr<size_t> file_operations::read(file& f, char* buf, size_t count, loff_t* pos) const {
  return Errno(EINVAL);
}
ErrorOr<size_t> file_operations::write(file& f, const char* buf, size_t count, loff_t* pos) const {
  return Errno(EINVAL);
}
ErrorOr<loff_t> file_operations::llseek(file& f, loff_t offset, int whence) const {
  absl::MutexLock l(&f.f_pos_lock);
  loff_t base;
  switch (whence) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = f.f_pos;
      break;
    case SEEK_END:
      base = f.f_inode->i_size;
      break;
    default:
      return Errno(EINVAL);
  }
  if (offset > 0 && base > INT64_MAX - offset) return Errno(EINVAL);
  loff_t pos = base + offset;
  if (pos < 0) return Errno(EINVAL);
  f.f_pos = pos;
  return pos;
}
Errno file_operations::readdir(file& f, const filldir_t& filldir) const { return Errno(ENOTDIR); }

ErrorOr<size_t> simple_dir_operations::read(file& f, char* buf, size_t count, loff_t* pos) const {
  return Errno(EISDIR);
}

size_t simple_read_from_buffer(char* to, size_t count, loff_t* pos, std::string_view from) {
  if (*pos < 0 || static_cast<size_t>(*pos) >= from.size()) return 0;
  size_t n = std::min(count, from.size() - static_cast<size_t>(*pos));
  std::memcpy(to, from.data() + *pos, n);
  *pos += n;
  return n;
}

// --- super_block ---

Errno super_operations::statfs(dentry& d, struct statfs* buf) const {
  std::memset(buf, 0, sizeof *buf);
  buf->f_type = d.d_sb->s_magic;
  buf->f_bsize = 4096;
  buf->f_namelen = NAME_MAX;
  return kOk;
}

void file_system_type::kill_sb(super_block& sb) { kill_litter_super(sb); }

void deactivate_super(super_block& sb) {
  if (sb.s_active.fetch_sub(1) == 1) sb.s_type->kill_sb(sb);
}

namespace {
void d_genocide(const std::shared_ptr<dentry>& d) {
  std::map<std::string, std::shared_ptr<dentry>, std::less<>> children;
  children.swap(d->d_subdirs);
  d->d_lookup_cache.clear();
  for (auto& [name, child] : children) {
    child->d_deleted = true;
    d_genocide(child);
  }
}
}  // namespace

void kill_litter_super(super_block& sb) {
  if (sb.s_root) d_genocide(sb.s_root);
}

// --- fs_struct / files_struct ---

std::shared_ptr<fs_struct> fs_struct::copy() {
  auto n = std::make_shared<fs_struct>();
  absl::MutexLock l(&lock);
  absl::MutexLock nl(&n->lock);
  n->root = root;
  n->pwd = pwd;
  n->umask = umask;
  return n;
}

std::shared_ptr<files_struct> files_struct::copy() {
  auto n = std::make_shared<files_struct>();
  absl::MutexLock l(&file_lock);
  absl::MutexLock nl(&n->file_lock);
  n->fd = fd;
  n->close_on_exec = close_on_exec;
  return n;
}

ErrorOr<int> files_struct::get_unused_fd(int from) {
  for (int i = from; i < NR_OPEN_DEFAULT; i++) {
    if (i >= static_cast<int>(fd.size())) {
      fd.resize(i + 1);
      close_on_exec.resize(i + 1);
    }
    if (!fd[i]) return i;
  }
  return Errno(EMFILE);
}

ErrorOr<std::shared_ptr<file>> files_struct::fget(int n) {
  absl::MutexLock l(&file_lock);
  if (n < 0 || n >= static_cast<int>(fd.size()) || !fd[n]) return Errno(EBADF);
  return fd[n];
}

}  // namespace uk

#include "vfs/vfs.h"

namespace uk {

// dcache_readdir(): ".", "..", then the pinned children in name order; f_pos counts
// entries.
Errno simple_dir_operations::readdir(file& f, const filldir_t& filldir) const {
  dentry& d = *f.f_path.dentry;
  std::vector<std::pair<std::string, std::shared_ptr<inode>>> entries;
  {
    absl::MutexLock l(&current()->mnt_ns->dcache_lock);
    entries.emplace_back(".", d.d_inode);
    entries.emplace_back("..", d.d_parent ? d.d_parent->d_inode : d.d_inode);
    for (auto& [name, child] : d.d_subdirs) {
      if (child->d_inode) entries.emplace_back(name, child->d_inode);
    }
  }
  absl::MutexLock l(&f.f_pos_lock);
  for (loff_t i = f.f_pos; i < static_cast<loff_t>(entries.size()); i++) {
    const inode& in = *entries[i].second;
    unsigned char type = S_ISDIR(in.i_mode) ? DT_DIR : S_ISREG(in.i_mode) ? DT_REG : DT_UNKNOWN;
    if (!filldir(entries[i].first, in.i_ino, type)) break;
    f.f_pos = i + 1;
  }
  return kOk;
}

}  // namespace uk
