// The FUSE request handlers: FUSE operations routed into uk's syscall API.
#include "harness/fuse_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "uk/container_files.h"
#include "uk/lib.h"
#include "vfs/fs_struct.h"
#include "vfs/poll.h"
#include "vfs/syscalls.h"

namespace ukrun {

fuse_state::fuse_state(uk::kernel& k, tracker& tr, const std::string& root)
    : kernel_(k), tr_(tr), nodes_(root) {}

namespace {

// How long the host may keep a name it looked up. Each lookup is a round trip, two of
// the five in `cat DIR/tasks`. A name can go stale only through another mount of the
// same hierarchy: the host updates its dentries for what passes through this mount.
// A stale name still resolves by path (nodeids name paths), so it reaches the object
// now at that path, or fails with the kernel's ENOENT, and every operation runs its own
// path walk as the caller, permissions included. What a stale name can get wrong, for
// at most this long, is its type: a control file dropped by a remount and a directory
// made later under the same name, with two mounts of the hierarchy. A name that does
// not exist is never cached (ENOENT replies carry no entry timeout), so a new
// directory shows at once.
constexpr uint64_t kEntryTimeoutSeconds = 1;

// The caller's task, after settling what the answer depends on (an observation:
// tracker::depends); while it lives no task is freed (tracker::pin), so keep it for
// the whole operation.
//
// Which request depends on what (harness/README.md, "Which requests settle"):
// - forks and exits: an OPEN for reading (`tasks` and `cgroup.procs` take their
//   snapshot there), a READ of any other file (generated at the read: cpuacct.usage,
//   freezer.state...), every WRITE (an attach must mirror the target's children first,
//   where they were forked; cpuset.cpus applies to every task of the cpuset).
// - exits only: the requests that answer about names, attributes and directories
//   (LOOKUP, GETATTR, SETATTR, MKDIR, MKNOD, SYMLINK, LINK, RMDIR, UNLINK, RENAME, OPENDIR,
//   STATFS, CREATE, and the four xattr requests)
//   and an OPEN for writing only (it takes no snapshot). A new process would join
//   containers that hold its live parent already, so only an exit can empty one
//   (RMDIR's EBUSY); a settle makes a directory only for a trapped clone or unshare,
//   which the tracker knows is pending.
// - the caller only: a READ of a snapshot taken at open (its fh carries kSnapshot; under
//   -t cgroup the first READ takes it, with a full settle, as a READ of any file), and
//   a POLL (its answer depends on the file's reads and its subsystem's notifications).
// RELEASE and READDIR need no task.
using depends = tracker::depends;
struct caller_task {
  tracker::pinned_task pinned;
  uk::task_struct& init;
  operator uk::task_struct&() { return pinned.task ? *pinned.task : init; }
};
//
// The request carries the caller's filesystem ids (the host's fsuid and fsgid, which
// every setuid-family call moves): when they are not the task's, the program changed
// its ids since uk last looked, and the task takes the host's (tracker::sync_creds).
// uk's permission checks then see what the host's would. A caller that is not a task
// acts as init (root).
caller_task caller(fuse_state& s, const fuse_request& r, depends on) {
  caller_task c{s.tr().task_for(static_cast<pid_t>(r.in->pid), on), *s.kernel().init_task()};
  uk::task_struct* t = c.pinned.task;
  if (t != nullptr && (t->fsuid != r.in->uid || t->fsgid != r.in->gid)) s.tr().sync_creds(*t);
  return c;
}

// An OPEN's fh is uk's fd, with this bit set when the file's reads come from a
// snapshot taken at open (uk::container_file_is_snapshot).
constexpr uint64_t kSnapshot = 1ull << 32;
int fh_fd(uint64_t fh) { return static_cast<int>(fh & (kSnapshot - 1)); }

// A stat of `path` as `t` into an entry reply: its attributes are never cached.
long entry_reply(fuse_state& s, uk::task_struct& t, const std::string& path, char* out) {
  struct stat sb;
  long r = uk::sys_stat(t, path.c_str(), &sb);
  if (r < 0) return r;
  auto* e = reinterpret_cast<fuse_entry_out*>(out);
  *e = {};
  e->nodeid = s.nodes().entry(path);
  e->entry_valid = kEntryTimeoutSeconds;
  to_fuse_attr(sb, &e->attr);
  return sizeof *e;
}

// An attribute reply for `nodeid` (its ino is the nodeid, as before).
long attr_reply(uk::task_struct& t, const std::string& path, uint64_t nodeid, char* out) {
  struct stat sb;
  long r = uk::sys_stat(t, path.c_str(), &sb);
  if (r < 0) return r;
  sb.st_ino = nodeid;
  auto* a = reinterpret_cast<fuse_attr_out*>(out);
  *a = {};
  to_fuse_attr(sb, &a->attr);
  return sizeof *a;
}

// One time of a SETATTR as utimensat gives it: UTIME_OMIT if not asked for, UTIME_NOW
// for a touch (fs/fuse/dir.c iattr_to_fattr: FATTR_*_NOW without ATTR_*_SET).
struct timespec setattr_time(uint32_t valid, uint32_t which, uint32_t now, uint64_t sec,
                             uint32_t nsec) {
  if (!(valid & which)) return {0, UTIME_OMIT};
  if (valid & now) return {0, UTIME_NOW};
  return {static_cast<time_t>(sec), static_cast<long>(nsec)};
}

// chmod, chown, truncation and times go to the kernel, each checked there as the
// caller: the host's own checks are skipped for a FUSE mount without
// default_permissions (fs/fuse/dir.c fuse_setattr sets ATTR_FORCE). A truncation with
// the open file's fh is an ftruncate or an O_TRUNC open (its times are do_truncate's);
// without, a truncate(2) of the path.
long op_setattr(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_setattr_in*>(r.arg);
  caller_task pinned = caller(s, r, depends::exits);
  uk::task_struct& t = pinned;
  std::string p = s.nodes().path(r.in->nodeid);
  long res = 0;
  if (in->valid & FATTR_MODE) res = uk::sys_chmod(t, p.c_str(), in->mode & 07777);
  if (res == 0 && (in->valid & (FATTR_UID | FATTR_GID))) {
    res = uk::sys_chown(t, p.c_str(), (in->valid & FATTR_UID) ? in->uid : uid_t(-1),
                        (in->valid & FATTR_GID) ? in->gid : gid_t(-1));
  }
  if (res == 0 && (in->valid & FATTR_SIZE)) {
    auto length = static_cast<loff_t>(in->size);
    res = (in->valid & FATTR_FH) ? uk::sys_ftruncate(t, fh_fd(in->fh), length)
                                 : uk::sys_truncate(t, p.c_str(), length);
  } else if (res == 0 && (in->valid & (FATTR_ATIME | FATTR_MTIME))) {
    struct timespec times[2] = {
        setattr_time(in->valid, FATTR_ATIME, FATTR_ATIME_NOW, in->atime, in->atimensec),
        setattr_time(in->valid, FATTR_MTIME, FATTR_MTIME_NOW, in->mtime, in->mtimensec)};
    res = uk::sys_utimes(t, p.c_str(), times);
  }
  if (res < 0) return res;
  return attr_reply(t, p, r.in->nodeid, out);
}

// mknod, symlink and link: no name of uk's is made so (vfs/dirops.cc), but each fails
// as the kernel's: EEXIST or EACCES from may_create first, then EPERM.
long op_mknod(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_mknod_in*>(r.arg);
  const char* name = fuse_name_arg(r.data, r.data_len);
  if (!name) return -EINVAL;
  caller_task pinned = caller(s, r, depends::exits);
  std::string p = s.nodes().child(r.in->nodeid, name);
  long res = uk::sys_mknod(pinned, p.c_str(), in->mode);
  return res < 0 ? res : entry_reply(s, pinned, p, out);
}

long op_symlink(fuse_state& s, const fuse_request& r, char* out) {
  const char* name = fuse_name_arg(r.data, r.data_len);
  if (!name) return -EINVAL;
  size_t len = strlen(name) + 1;
  const char* target = fuse_name_arg(r.data + len, r.data_len - len);
  if (!target) return -EINVAL;
  caller_task pinned = caller(s, r, depends::exits);
  std::string p = s.nodes().child(r.in->nodeid, name);
  long res = uk::sys_symlink(pinned, target, p.c_str());
  return res < 0 ? res : entry_reply(s, pinned, p, out);
}

long op_link(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_link_in*>(r.arg);
  const char* name = fuse_name_arg(r.data, r.data_len);
  if (!name) return -EINVAL;
  caller_task pinned = caller(s, r, depends::exits);
  std::string p = s.nodes().child(r.in->nodeid, name);
  long res = uk::sys_link(pinned, s.nodes().path(in->oldnodeid).c_str(), p.c_str());
  return res < 0 ? res : entry_reply(s, pinned, p, out);
}

// Extended attributes are the kernel's (vfs/xattr.cc), checked there as the caller: the
// host skips xattr_permission's file permission (no default_permissions) but checks
// trusted. itself. A GETXATTR or LISTXATTR of size 0 asks for the length.
//
// A container-flavour mount keeps none: the kernel's EOPNOTSUPP for a name of a known
// prefix. That is answered ENOSYS, so that the host stops asking this connection and
// answers EOPNOTSUPP itself (fs/fuse/xattr.c: fc->no_getxattr and its kin): every
// truncating open asks for security.capability (do_truncate's
// cap_inode_need_killpriv), a round trip each time otherwise. A cgroup-flavour mount
// pays it, because it keeps xattrs (harness/README.md has the measurement).
long no_xattrs_as_enosys(long r, const char* name) {
  if (r != -EOPNOTSUPP) return r;
  std::string_view n(name);
  std::string_view prefix = uk::xattr_handler_prefix(n);
  return !prefix.empty() && n.size() > prefix.size() ? -ENOSYS : r;
}

long op_setxattr(fuse_state& s, const fuse_request& r) {
  const auto* in = reinterpret_cast<const fuse_setxattr_in*>(r.arg);  // its first 8 bytes
  const char* name = fuse_name_arg(r.data, r.data_len);
  if (!name) return -EINVAL;
  size_t len = strlen(name) + 1;
  if (in->size > r.data_len - len) return -EINVAL;
  return no_xattrs_as_enosys(
      uk::sys_setxattr(caller(s, r, depends::exits), s.nodes().path(r.in->nodeid).c_str(), name,
                       r.data + len, in->size, static_cast<int>(in->flags)),
      name);
}

long xattr_reply(long n, uint32_t size, char* out) {
  if (n < 0 || size != 0) return n;
  auto* o = reinterpret_cast<fuse_getxattr_out*>(out);
  *o = {};
  o->size = static_cast<uint32_t>(n);
  return sizeof *o;
}

long op_getxattr(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_getxattr_in*>(r.arg);
  const char* name = fuse_name_arg(r.data, r.data_len);
  if (!name) return -EINVAL;
  size_t size = std::min<size_t>(in->size, kFuseMaxWrite);
  long n = uk::sys_getxattr(caller(s, r, depends::exits), s.nodes().path(r.in->nodeid).c_str(),
                            name, size ? out : nullptr, size);
  return xattr_reply(no_xattrs_as_enosys(n, name), in->size, out);
}

long op_listxattr(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_getxattr_in*>(r.arg);
  size_t size = std::min<size_t>(in->size, kFuseMaxWrite);
  long n = uk::sys_listxattr(caller(s, r, depends::exits), s.nodes().path(r.in->nodeid).c_str(),
                             size ? out : nullptr, size);
  return xattr_reply(n, in->size, out);
}

long op_open(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_open_in*>(r.arg);
  // O_TRUNC comes here, not as a SETATTR (FUSE_ATOMIC_O_TRUNC): the kernel's may_open
  // truncates, which moves the file's times.
  int flags =
      static_cast<int>(in->flags) & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_TRUNC | O_DIRECT);
  bool reads = (flags & O_ACCMODE) != O_WRONLY;
  caller_task pinned = caller(s, r, reads ? depends::forks_and_exits : depends::exits);
  uk::task_struct& t = pinned;
  long fd = uk::sys_open(t, s.nodes().path(r.in->nodeid).c_str(), flags);
  if (fd < 0) return fd;
  uint64_t fh = static_cast<uint64_t>(fd);
  if (reads) {
    auto f = t.files->fget(static_cast<int>(fd));
    if (f.ok() && uk::container_file_is_snapshot(**f)) fh |= kSnapshot;
  }
  return fuse_open_reply(fh, FOPEN_DIRECT_IO, out);
}

long op_create(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_create_in*>(r.arg);
  const char* name = fuse_name_arg(r.data, r.data_len);
  if (!name) return -EINVAL;
  caller_task pinned = caller(s, r, depends::exits);
  uk::task_struct& t = pinned;
  std::string p = s.nodes().child(r.in->nodeid, name);
  int flags = static_cast<int>(in->flags) &
              (O_ACCMODE | O_APPEND | O_NONBLOCK | O_CREAT | O_EXCL | O_DIRECT);
  long fd = uk::sys_open(t, p.c_str(), flags, in->mode);
  if (fd < 0) return fd;
  long n = entry_reply(s, t, p, out);
  if (n < 0) {
    uk::sys_close(t, static_cast<int>(fd));
    return n;
  }
  return n + fuse_open_reply(static_cast<uint64_t>(fd), FOPEN_DIRECT_IO, out + n);
}

long op_read(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_read_in*>(r.arg);
  size_t size = std::min<size_t>(in->size, kFuseMaxWrite);
  depends on = (in->fh & kSnapshot) ? depends::caller_only : depends::forks_and_exits;
  return uk::sys_pread64(caller(s, r, on), fh_fd(in->fh), out, size,
                         static_cast<off_t>(in->offset));
}

// poll(2) of a control file: the kernel's mask (kernfs's POLLERR | POLLPRI until a read
// under -t cgroup). A poll that will wait leaves a waker that sends FUSE_NOTIFY_POLL
// with its kh when the file changes (a refused fork's pids.events); the host then polls
// again. Never ENOSYS, which would make the host answer DEFAULT_POLLMASK itself.
long op_poll(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_poll_in*>(r.arg);
  uk::poll_table wait;
  if (in->flags & FUSE_POLL_SCHEDULE_NOTIFY) {
    wait.wake = [notifier = s.notifier(), kh = in->kh] {
      fuse_notify_poll_wakeup_out wake = {};
      wake.kh = kh;
      notifier->send(FUSE_NOTIFY_POLL, &wake, sizeof wake);
    };
  }
  long mask = uk::sys_pollfd(caller(s, r, depends::caller_only), fh_fd(in->fh), &wait);
  if (mask < 0) return mask;
  auto* o = reinterpret_cast<fuse_poll_out*>(out);
  *o = {};
  o->revents = static_cast<uint32_t>(mask);
  return sizeof *o;
}

// A non-root caller may move only tasks whose real or saved uid is its effective uid
// (attach_task_by_pid): the target's ids must be the host's now, not those it had when
// uk last looked. So for a tasks or cgroup.procs write, the named task's are brought up
// to date first (root's attach checks none).
void sync_attach_target(fuse_state& s, uk::task_struct& me, int fd, const char* data, size_t len) {
  if (me.euid == 0) return;
  auto f = me.files->fget(fd);
  if (!f.ok() || !uk::container_file_moves_tasks(**f)) return;
  int pid;
  if (!uk::kstrtoint(uk::strstrip(std::string(data, len).c_str()).c_str(), 0, &pid).ok() ||
      pid <= 0) {
    return;  // the kernel's own answer follows
  }
  uk::task_struct* target = s.kernel().find_task_by_pid(pid);
  if (target != nullptr && !target->zombie) s.tr().sync_creds(*target);
}

long op_write(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_write_in*>(r.arg);
  if (in->size > r.data_len) return -EINVAL;
  caller_task pinned = caller(s, r, depends::forks_and_exits);
  uk::task_struct& t = pinned;
  sync_attach_target(s, t, fh_fd(in->fh), r.data, in->size);
  long n = uk::sys_pwrite64(t, fh_fd(in->fh), r.data, in->size, static_cast<off_t>(in->offset));
  if (n < 0) return n;
  auto* w = reinterpret_cast<fuse_write_out*>(out);
  *w = {};
  w->size = static_cast<uint32_t>(n);
  return sizeof *w;
}

long op_release(fuse_state& s, const fuse_request& r) {
  const auto* in = reinterpret_cast<const fuse_release_in*>(r.arg);
  uk::sys_close(*s.kernel().init_task(), fh_fd(in->fh));
  return 0;
}

// A directory is read whole at opendir (the permission check happens there, as the
// caller) and served from that snapshot.
struct dir_snapshot {
  struct entry {
    std::string name;
    uint64_t ino;
    unsigned char type;
  };
  std::vector<entry> entries;
};

long op_opendir(fuse_state& s, const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_open_in*>(r.arg);
  caller_task pinned = caller(s, r, depends::exits);
  uk::task_struct& t = pinned;
  long fd = uk::sys_open(t, s.nodes().path(r.in->nodeid).c_str(),
                         O_RDONLY | O_DIRECTORY | (static_cast<int>(in->flags) & O_DIRECT));
  if (fd < 0) return fd;
  auto snap = std::make_unique<dir_snapshot>();
  alignas(8) char buf[8192];
  long n;
  while ((n = uk::sys_getdents64(t, static_cast<int>(fd), buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<uk::linux_dirent64*>(buf + off);
      snap->entries.push_back({d->d_name, d->d_ino, d->d_type});
      off += d->d_reclen;
    }
  }
  uk::sys_close(t, static_cast<int>(fd));
  if (n < 0) return n;
  return fuse_open_reply(reinterpret_cast<uint64_t>(snap.release()), 0, out);
}

// A directory's fsync, as the kernel answers it for the directory (its fh is the
// OPENDIR's listing, not one of uk's fds): the directory opened again as the caller.
long op_fsyncdir(fuse_state& s, const fuse_request& r) {
  caller_task pinned = caller(s, r, depends::exits);
  uk::task_struct& t = pinned;
  long fd = uk::sys_open(t, s.nodes().path(r.in->nodeid).c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return fd;
  long res = uk::sys_fsync(t, static_cast<int>(fd));
  uk::sys_close(t, static_cast<int>(fd));
  return res;
}

long op_readdir(const fuse_request& r, char* out) {
  const auto* in = reinterpret_cast<const fuse_read_in*>(r.arg);
  const auto* snap = reinterpret_cast<const dir_snapshot*>(in->fh);
  size_t size = std::min<size_t>(in->size, kFuseMaxWrite), used = 0;
  for (size_t i = in->offset; i < snap->entries.size(); i++) {
    const auto& e = snap->entries[i];
    size_t len = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + e.name.size());
    if (len > size - used) break;
    auto* d = reinterpret_cast<fuse_dirent*>(out + used);
    d->ino = e.ino;
    d->off = i + 1;
    d->namelen = static_cast<uint32_t>(e.name.size());
    d->type = e.type;
    memcpy(d->name, e.name.data(), e.name.size());
    memset(d->name + e.name.size(), 0, len - FUSE_NAME_OFFSET - e.name.size());
    used += len;
  }
  return static_cast<long>(used);
}

long op_statfs(fuse_state& s, const fuse_request& r, char* out) {
  struct statfs sf;
  long res =
      uk::sys_statfs(caller(s, r, depends::exits), s.nodes().path(r.in->nodeid).c_str(), &sf);
  if (res < 0) return res;
  auto* o = reinterpret_cast<fuse_statfs_out*>(out);
  *o = {};
  o->st.blocks = sf.f_blocks;
  o->st.bfree = sf.f_bfree;
  o->st.bavail = sf.f_bavail;
  o->st.files = sf.f_files;
  o->st.ffree = sf.f_ffree;
  o->st.bsize = static_cast<uint32_t>(sf.f_bsize);
  o->st.frsize = static_cast<uint32_t>(sf.f_bsize);
  o->st.namelen = static_cast<uint32_t>(sf.f_namelen);
  return sizeof *o;
}

}  // namespace

long fuse_state::serve(const fuse_request& r, char* out) {
  fuse_state& s = *this;
  const uint64_t nodeid = r.in->nodeid;
  const char* name = fuse_name_arg(r.data, r.data_len);
  switch (r.in->opcode) {
    case FUSE_LOOKUP:
      if (!name) return -EINVAL;
      return entry_reply(s, caller(s, r, depends::exits), s.nodes().child(nodeid, name), out);
    case FUSE_GETATTR:
      return attr_reply(caller(s, r, depends::exits), s.nodes().path(nodeid), nodeid, out);
    case FUSE_SETATTR:
      return op_setattr(s, r, out);
    case FUSE_MKNOD:
      return op_mknod(s, r, out);
    case FUSE_SYMLINK:
      return op_symlink(s, r, out);
    case FUSE_LINK:
      return op_link(s, r, out);
    case FUSE_FSYNC:  // the kernel's answer, never ENOSYS (the host would stop asking)
      return uk::sys_fsync(caller(s, r, depends::exits),
                           fh_fd(reinterpret_cast<const fuse_fsync_in*>(r.arg)->fh));
    case FUSE_FSYNCDIR:
      return op_fsyncdir(s, r);
    case FUSE_SETXATTR:
      return op_setxattr(s, r);
    case FUSE_GETXATTR:
      return op_getxattr(s, r, out);
    case FUSE_LISTXATTR:
      return op_listxattr(s, r, out);
    case FUSE_REMOVEXATTR:
      if (!name) return -EINVAL;
      return no_xattrs_as_enosys(
          uk::sys_removexattr(caller(s, r, depends::exits), s.nodes().path(nodeid).c_str(), name),
          name);
    case FUSE_MKDIR: {
      const auto* in = reinterpret_cast<const fuse_mkdir_in*>(r.arg);
      if (!name) return -EINVAL;
      caller_task pinned = caller(s, r, depends::exits);
      std::string p = s.nodes().child(nodeid, name);
      long res = uk::sys_mkdir(pinned, p.c_str(), in->mode);
      return res < 0 ? res : entry_reply(s, pinned, p, out);
    }
    case FUSE_RMDIR:
      if (!name) return -EINVAL;
      return uk::sys_rmdir(caller(s, r, depends::exits), s.nodes().child(nodeid, name).c_str());
    case FUSE_UNLINK:
      if (!name) return -EINVAL;
      return uk::sys_unlink(caller(s, r, depends::exits), s.nodes().child(nodeid, name).c_str());
    case FUSE_RENAME:
    case FUSE_RENAME2: {
      uint64_t newdir = reinterpret_cast<const fuse_rename_in*>(r.arg)->newdir;
      if (r.in->opcode == FUSE_RENAME2) {
        const auto* in2 = reinterpret_cast<const fuse_rename2_in*>(r.arg);
        if (in2->flags != 0) return -EINVAL;  // the kernel has plain rename only
        newdir = in2->newdir;
      }
      if (!name) return -EINVAL;
      size_t len = strlen(name) + 1;
      const char* newname = fuse_name_arg(r.data + len, r.data_len - len);
      if (!newname) return -EINVAL;
      std::string from = s.nodes().child(nodeid, name), to = s.nodes().child(newdir, newname);
      long res = uk::sys_rename(caller(s, r, depends::exits), from.c_str(), to.c_str());
      if (res == 0) s.nodes().moved(from, to);
      return res;
    }
    case FUSE_OPEN:
      return op_open(s, r, out);
    case FUSE_CREATE:
      return op_create(s, r, out);
    case FUSE_READ:
      return op_read(s, r, out);
    case FUSE_WRITE:
      return op_write(s, r, out);
    case FUSE_RELEASE:
      return op_release(s, r);
    case FUSE_POLL:
      return op_poll(s, r, out);
    case FUSE_OPENDIR:
      return op_opendir(s, r, out);
    case FUSE_READDIR:
      return op_readdir(r, out);
    case FUSE_RELEASEDIR:
      delete reinterpret_cast<dir_snapshot*>(reinterpret_cast<const fuse_release_in*>(r.arg)->fh);
      return 0;
    case FUSE_STATFS:
      return op_statfs(s, r, out);
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
      s.nodes().forget(r);
      return kFuseNoReply;
    case FUSE_INTERRUPT:
      // Ignored: an operation is never cut short, so a tasks write either moved the task
      // or failed as the kernel said.
      return kFuseNoReply;
    default:
      // FLUSH among them: its ENOSYS makes the host kernel stop sending it
      // (fs/fuse/file.c fuse_flush sets fc->no_flush), one round trip less per close.
      return -ENOSYS;
  }
}

}  // namespace ukrun
