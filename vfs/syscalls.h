// The syscall-level API: each function mirrors a Linux system call, runs for task `t`
// (which becomes `current` for the call) and returns the result or -errno, exactly as
// the kernel would. These are what the launcher's FUSE bridge and the tests call.
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include <string>

#include "vfs/types.h"

namespace uk {

long sys_mount(vfs_task& t, const char* dev_name, const char* dir_name, const char* type,
               unsigned long flags, const void* data);
long sys_umount(vfs_task& t, const char* name, int flags);  // umount2
long sys_mkdir(vfs_task& t, const char* pathname, mode_t mode);
long sys_rmdir(vfs_task& t, const char* pathname);
long sys_unlink(vfs_task& t, const char* pathname);
long sys_rename(vfs_task& t, const char* oldname, const char* newname);
long sys_open(vfs_task& t, const char* filename, int flags, mode_t mode = 0);
long sys_close(vfs_task& t, int fd);
long sys_read(vfs_task& t, int fd, void* buf, size_t count);
long sys_write(vfs_task& t, int fd, const void* buf, size_t count);
long sys_pread64(vfs_task& t, int fd, void* buf, size_t count, loff_t pos);
long sys_pwrite64(vfs_task& t, int fd, const void* buf, size_t count, loff_t pos);
long sys_lseek(vfs_task& t, int fd, loff_t offset, int whence);
long sys_dup(vfs_task& t, int fd);
long sys_dup2(vfs_task& t, int oldfd, int newfd);
// Fills `dirp` with struct linux_dirent64 records; returns bytes used, 0 at the end,
// EINVAL if the first entry does not fit.
long sys_getdents64(vfs_task& t, int fd, void* dirp, size_t count);
long sys_stat(vfs_task& t, const char* filename, struct stat* st);
long sys_fstat(vfs_task& t, int fd, struct stat* st);
long sys_statfs(vfs_task& t, const char* pathname, struct statfs* buf);
long sys_fstatfs(vfs_task& t, int fd, struct statfs* buf);
long sys_chdir(vfs_task& t, const char* filename);
long sys_fchdir(vfs_task& t, int fd);
long sys_getcwd(vfs_task& t, char* buf, size_t size);
long sys_chmod(vfs_task& t, const char* filename, mode_t mode);
long sys_chown(vfs_task& t, const char* filename, uid_t user, gid_t group);
long sys_truncate(vfs_task& t, const char* filename, loff_t length);
long sys_ftruncate(vfs_task& t, int fd, loff_t length);
// utimensat(AT_FDCWD, filename, times, 0): times null, or two with UTIME_NOW/UTIME_OMIT.
long sys_utimes(vfs_task& t, const char* filename, const struct timespec* times);
// mknodat(AT_FDCWD, ...) without a device number: no filesystem here makes nodes.
long sys_mknod(vfs_task& t, const char* pathname, mode_t mode);
long sys_symlink(vfs_task& t, const char* oldname, const char* newname);
long sys_link(vfs_task& t, const char* oldname, const char* newname);  // linkat, flags 0
// The handler prefix `name` starts with (user., trusted., security.: those a filesystem
// with s_simple_xattrs keeps, xattr_resolve_name), or "" for none.
std::string_view xattr_handler_prefix(std::string_view name);
long sys_setxattr(vfs_task& t, const char* pathname, const char* name, const void* value,
                  size_t size, int flags);
long sys_getxattr(vfs_task& t, const char* pathname, const char* name, void* value, size_t size);
long sys_listxattr(vfs_task& t, const char* pathname, char* list, size_t size);
long sys_removexattr(vfs_task& t, const char* pathname, const char* name);
long sys_fsync(vfs_task& t, int fd);  // and fdatasync: the same answer here
// poll(2) of one fd (do_pollfd): its file's poll mask (vfs/poll.h), before the caller
// masks it with the events it asked for. `wait` null: the poller does not wait.
long sys_pollfd(vfs_task& t, int fd, const poll_table* wait = nullptr);

// The struct linux_dirent64 layout getdents64 produces.
struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

}  // namespace uk
