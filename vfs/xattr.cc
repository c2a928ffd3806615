// fs/xattr.c: setxattr, getxattr, listxattr and removexattr on a path, with today's
// checks in today's order (xattr_permission, the capability hook, xattr_resolve_name).
// A filesystem whose super_block has s_simple_xattrs keeps user., trusted. and
// security. names in memory as kernfs does (fs/kernfs/inode.c kernfs_xattr_handlers,
// with its limits on user. ones); on any other every name is EOPNOTSUPP, and the list
// is empty.
#include <linux/limits.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "vfs/dentry.h"
#include "vfs/inode.h"
#include "vfs/internal.h"
#include "vfs/namei.h"
#include "vfs/super.h"
#include "vfs/syscalls.h"
#include "vfs/vfs.h"
#include "vfs/vfs_task.h"

namespace uk {

namespace {

constexpr std::string_view kUserPrefix = "user.";
constexpr std::string_view kTrustedPrefix = "trusted.";
constexpr std::string_view kSecurityPrefix = "security.";
constexpr std::string_view kSystemPrefix = "system.";
// fs/kernfs/kernfs-internal.h: a node's user. attributes, by count and by value bytes.
constexpr int kKernfsMaxUserXattrs = 128;
constexpr size_t kKernfsUserXattrSizeLimit = 128 << 10;

// setxattr_copy()/import_xattr_name(): a name of 1 to XATTR_NAME_MAX bytes, else ERANGE.
ErrorOr<std::string_view> xattr_name(const char* name) {
  if (name == nullptr) return Errno(EFAULT);
  size_t len = strnlen(name, XATTR_NAME_MAX + 1);
  if (len == 0 || len > XATTR_NAME_MAX) return Errno(ERANGE);
  return std::string_view(name, len);
}

// xattr_permission(): security. and system. are left to the filesystem and the security
// hook; trusted. needs CAP_SYS_ADMIN (root here), or is EPERM to write and ENODATA to
// read; user. is for regular files and directories only (EPERM, ENODATA), in a sticky
// directory writable by its owner and root only, and then the file's own permission.
Errno xattr_permission(const vfs_task& t, const inode& i, std::string_view name, int mask) {
  if (name.starts_with(kSecurityPrefix) || name.starts_with(kSystemPrefix)) {
    return kOk;
  }
  if (name.starts_with(kTrustedPrefix)) {
    if (!t.capable()) return Errno((mask & MAY_WRITE) ? EPERM : ENODATA);
    return kOk;
  }
  if (name.starts_with(kUserPrefix)) {
    if (!S_ISREG(i.i_mode) && !S_ISDIR(i.i_mode)) {
      return Errno((mask & MAY_WRITE) ? EPERM : ENODATA);
    }
    if (S_ISDIR(i.i_mode) && (i.i_mode & S_ISVTX) && (mask & MAY_WRITE) && t.fsuid != i.i_uid &&
        !t.capable()) {
      return Errno(EPERM);
    }
  }
  return permission(i, mask, t);
}

// cap_inode_setxattr()/cap_inode_removexattr(): a security. name needs CAP_SYS_ADMIN.
Errno cap_inode_setxattr(const vfs_task& t, std::string_view name) {
  if (name.starts_with(kSecurityPrefix) && !t.capable()) return Errno(EPERM);
  return kOk;
}

// xattr_resolve_name(): the names a handler takes (EOPNOTSUPP for any other, and for
// the POSIX ACL names, which need an ACL-aware filesystem), with a non-empty suffix.
Errno xattr_resolve_name(const inode& i, std::string_view name) {
  if (i.i_sb == nullptr || !i.i_sb->s_simple_xattrs) return Errno(EOPNOTSUPP);
  std::string_view prefix = xattr_handler_prefix(name);
  if (prefix.empty()) return Errno(EOPNOTSUPP);
  return name.size() == prefix.size() ? Errno(EINVAL) : kOk;
}

// kernfs_vfs_user_xattr_add(): one more user. attribute, by count and by value bytes,
// counted before it is known to replace one (so at the limit a replacement is ENOSPC too).
Errno user_xattr_limits(const inode& i, size_t size) {
  int count = 0;
  size_t bytes = 0;
  for (const auto& [n, v] : i.i_xattrs) {
    if (!n.starts_with(kUserPrefix)) continue;
    count++;
    bytes += v.size();
  }
  if (count + 1 > kKernfsMaxUserXattrs) return Errno(ENOSPC);
  if (bytes + size > kKernfsUserXattrSizeLimit) return Errno(ENOSPC);
  return kOk;
}

// simple_xattr_set(): XATTR_CREATE of an existing name is EEXIST, XATTR_REPLACE (and a
// removal: value null) of a missing one ENODATA.
Errno simple_xattr_set(inode& i, std::string_view name, const void* value, size_t size, int flags) {
  auto it = i.i_xattrs.find(name);
  if (it != i.i_xattrs.end() && (flags & XATTR_CREATE)) return Errno(EEXIST);
  if (it == i.i_xattrs.end() && (flags & XATTR_REPLACE)) return Errno(ENODATA);
  if (value == nullptr) {
    if (it != i.i_xattrs.end()) i.i_xattrs.erase(it);
    return kOk;
  }
  i.i_xattrs.insert_or_assign(std::string(name),
                              std::string(static_cast<const char*>(value), size));
  return kOk;
}

// The file whose attributes a set or a removal would change: EROFS on a read-only mount.
ErrorOr<path> lookup_for_change(vfs_task& t, const char* pathname) {
  UK_ASSIGN_OR_RETURN(std::string_view p, getname(pathname));
  UK_ASSIGN_OR_RETURN(path where, path_lookup(t, p, LOOKUP_FOLLOW));
  if (is_rdonly(*where.dentry->d_inode)) return Errno(EROFS);
  return where;
}

// __vfs_setxattr_locked()/__vfs_removexattr_locked() before the change, with i_mutex
// held: the permission, the capability hook, a handler for the name.
Errno may_change_xattr(const vfs_task& t, const inode& i, std::string_view name) {
  UK_TRY(xattr_permission(t, i, name, MAY_WRITE));
  UK_TRY(cap_inode_setxattr(t, name));
  return xattr_resolve_name(i, name);
}

Errno do_setxattr(vfs_task& t, const char* pathname, const char* name, const void* value,
                  size_t size, int flags) {
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) return Errno(EINVAL);
  UK_ASSIGN_OR_RETURN(std::string_view n, xattr_name(name));
  if (size > XATTR_SIZE_MAX) return Errno(E2BIG);
  if (size > 0 && value == nullptr) return Errno(EFAULT);
  UK_ASSIGN_OR_RETURN(path where, lookup_for_change(t, pathname));
  inode& i = *where.dentry->d_inode;
  absl::MutexLock l(&i.i_mutex);
  UK_TRY(may_change_xattr(t, i, n));
  if (n.starts_with(kUserPrefix)) UK_TRY(user_xattr_limits(i, size));
  return simple_xattr_set(i, n, size > 0 ? value : "", size, flags);  // "empty EA, do not remove"
}

Errno do_removexattr(vfs_task& t, const char* pathname, const char* name) {
  UK_ASSIGN_OR_RETURN(std::string_view n, xattr_name(name));
  UK_ASSIGN_OR_RETURN(path where, lookup_for_change(t, pathname));
  inode& i = *where.dentry->d_inode;
  absl::MutexLock l(&i.i_mutex);
  UK_TRY(may_change_xattr(t, i, n));
  return simple_xattr_set(i, n, nullptr, 0, XATTR_REPLACE);
}

// The bytes of a value or a list, as getxattr and listxattr give them: the length for
// size 0, ERANGE for a buffer too small (E2BIG when even the largest is).
ErrorOr<size_t> copy_out(const std::string& bytes, void* buf, size_t size, size_t max) {
  if (size == 0) return bytes.size();
  if (bytes.size() > size) return Errno(size >= max ? E2BIG : ERANGE);
  if (buf == nullptr) return Errno(EFAULT);
  memcpy(buf, bytes.data(), bytes.size());
  return bytes.size();
}

ErrorOr<size_t> do_getxattr(vfs_task& t, const char* pathname, const char* name, void* value,
                            size_t size) {
  UK_ASSIGN_OR_RETURN(std::string_view n, xattr_name(name));
  UK_ASSIGN_OR_RETURN(std::string_view p, getname(pathname));
  UK_ASSIGN_OR_RETURN(path where, path_lookup(t, p, LOOKUP_FOLLOW));
  inode& i = *where.dentry->d_inode;
  absl::MutexLock l(&i.i_mutex);
  UK_TRY(xattr_permission(t, i, n, MAY_READ));
  UK_TRY(xattr_resolve_name(i, n));
  auto it = i.i_xattrs.find(n);
  if (it == i.i_xattrs.end()) return Errno(ENODATA);
  return copy_out(it->second, value, std::min<size_t>(size, XATTR_SIZE_MAX), XATTR_SIZE_MAX);
}

// simple_xattr_list(): every name but trusted. ones for a caller without CAP_SYS_ADMIN,
// in the tree's order (descending: rbtree_simple_xattr_cmp compares the other way round).
ErrorOr<size_t> do_listxattr(vfs_task& t, const char* pathname, char* list, size_t size) {
  UK_ASSIGN_OR_RETURN(std::string_view p, getname(pathname));
  UK_ASSIGN_OR_RETURN(path where, path_lookup(t, p, LOOKUP_FOLLOW));
  inode& i = *where.dentry->d_inode;
  absl::MutexLock l(&i.i_mutex);
  std::string names;
  for (const auto& [n, v] : i.i_xattrs) {
    if (n.starts_with(kTrustedPrefix) && !t.capable()) continue;
    names.append(n).push_back('\0');
  }
  return copy_out(names, list, std::min<size_t>(size, XATTR_LIST_MAX), XATTR_LIST_MAX);
}

}  // namespace

std::string_view xattr_handler_prefix(std::string_view name) {
  for (std::string_view prefix : {kUserPrefix, kTrustedPrefix, kSecurityPrefix}) {
    if (name.starts_with(prefix)) return prefix;
  }
  return {};
}

long sys_setxattr(vfs_task& t, const char* pathname, const char* name, const void* value,
                  size_t size, int flags) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::setxattr, &t);
  if (e.recording()) {
    e->path = pathname ? pathname : "", e->path2 = name ? name : "", e->flags = flags;
    e->data = value ? std::string_view(static_cast<const char*>(value), size) : "";
  }
  return e.done(to_syscall_result(do_setxattr(t, pathname, name, value, size, flags)));
}

long sys_removexattr(vfs_task& t, const char* pathname, const char* name) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::removexattr, &t);
  if (e.recording()) e->path = pathname ? pathname : "", e->path2 = name ? name : "";
  return e.done(to_syscall_result(do_removexattr(t, pathname, name)));
}

long sys_getxattr(vfs_task& t, const char* pathname, const char* name, void* value, size_t size) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::getxattr, &t);
  if (e.recording())
    e->path = pathname ? pathname : "", e->path2 = name ? name : "", e->count = size;
  long r = to_syscall_result(do_getxattr(t, pathname, name, value, size));
  if (e.recording() && r > 0 && size > 0) e->data = std::string_view(static_cast<char*>(value), r);
  return e.done(r);
}

long sys_listxattr(vfs_task& t, const char* pathname, char* list, size_t size) {
  current_scope s(t);
  entry_scope e(recorder_of(t), entry_kind::listxattr, &t);
  if (e.recording()) e->path = pathname ? pathname : "", e->count = size;
  long r = to_syscall_result(do_listxattr(t, pathname, list, size));
  if (e.recording() && r > 0 && size > 0) e->data = std::string_view(list, r);
  return e.done(r);
}

}  // namespace uk
