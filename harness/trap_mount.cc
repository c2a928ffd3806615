// mount(2) and umount2(2): a container hierarchy is mounted in the kernel and served
// on the host by a FUSE filesystem of its own (fuse_bridge.h). Every change to the
// host's mount table that the supervisor makes, and every umount2 of the tree, happens
// here under mounts_mu_, so uk's table and the mount namespace change together.
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/fuse_ops.h"
#include "harness/host_ns.h"
#include "harness/supervisor.h"
#include "vfs/syscalls.h"

namespace ukrun {
namespace {

// The inode of /proc/<who>/ns/<ns>, or 0.
ino_t ns_inode(const std::string& who, const char* ns) {
  struct stat st;
  return stat(absl::StrCat("/proc/", who, "/ns/", ns).c_str(), &st) == 0 ? st.st_ino : 0;
}

// may_mount() (fs/namespace.c) for thread `tid` against the supervisor's mount
// namespace: CAP_SYS_ADMIN in its effective set, in the supervisor's user namespace
// (the namespace's owner; a tracee cannot be in an ancestor of it).
bool may_mount(pid_t tid) {
  ino_t own = ns_inode("self", "user");
  if (own == 0 || ns_inode(std::to_string(tid), "user") != own) return false;
  return has_cap_sys_admin(tid);
}

// The device of `path` and whether it is the root of a mount (STATX_ATTR_MOUNT_ROOT).
std::optional<std::pair<dev_t, bool>> mount_root_dev(const std::string& path) {
  struct statx stx;
  if (statx(AT_FDCWD, path.c_str(), AT_STATX_DONT_SYNC, STATX_TYPE, &stx) != 0) {
    return std::nullopt;
  }
  return std::make_pair(makedev(stx.stx_dev_major, stx.stx_dev_minor),
                        (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0);
}

}  // namespace

void supervisor::on_mount(const seccomp_notif& req) {
  std::string source, target, type, data;
  uint64_t flags = req.data.args[3];
  // path_mount(): the old magic number in the high half of the flags is dropped.
  if ((flags & MS_MGC_MSK) == MS_MGC_VAL) flags &= ~MS_MGC_MSK;
  // SYSCALL_DEFINE5(mount) copies the type, the source (copy_mount_string: EFAULT, or
  // EINVAL past PATH_MAX) and a page of the data (copy_mount_options: EFAULT when not a
  // byte of it can be read; the first page's text, NUL-terminated, otherwise) before
  // anything else, the target's lookup and the permission check included.
  uint64_t type_addr = req.data.args[2], source_addr = req.data.args[0],
           data_addr = req.data.args[4];
  int type_err = type_addr ? read_string_upto(req.pid, type_addr, PATH_MAX, &type) : 0;
  int source_err = source_addr ? read_string_upto(req.pid, source_addr, PATH_MAX, &source) : 0;
  int data_err = data_addr ? read_string_upto(req.pid, data_addr, 4095, &data) : 0;
  bool have_target = read_string(req.pid, req.data.args[1], &target);
  bool have_type = type_addr != 0;
  bool have_data = data_addr != 0;
  if (!id_valid(req.id)) return;  // the arguments may be from another syscall
  for (int err : {type_err, source_err}) {
    if (err != 0) return respond(req.id, err == -ENAMETOOLONG ? -EINVAL : err);
  }
  if (data_err == -EFAULT && data.empty()) return respond(req.id, -EFAULT);
  tracker_.note_syscall(req.pid);
  // Without may_mount() the host kernel answers as it would natively: the target's
  // lookup errors, then EPERM (path_mount), before any file system type is looked up;
  // nothing can mount (capabilities are the thread's own and cannot change while it
  // waits here).
  // An empty target is the host's to refuse too (ENOENT: the lookup of "" fails).
  if (!have_target || target.empty() || !may_mount(req.pid)) return respond_continue(req.id);
  std::string dir = resolve(req.pid, target);
  if (flags & MS_REMOUNT) {
    // The root of a uk mount (any bind of it too); anything else continues (the host
    // answers: EINVAL off a mount's root). Looked up before the pin: a stat may need
    // the FUSE loops, which take pins themselves.
    auto at = mount_root_dev(dir);
    if (!at || !at->second) return respond_continue(req.id);
    std::optional<long> r;
    {
      tracker::pinned_task pinned = tracker_.task_for(req.pid);
      uk::task_struct& t = pinned.task ? *pinned.task : *kernel_.init_task();
      absl::MutexLock l(&mounts_mu_);
      for (const mount_rec& m : mounts_) {
        if (m.dev != at->first) continue;
        // With MS_BIND one mount's flags only (path_mount: do_reconfigure_mnt);
        // without, first the kernel's remount of its hierarchy (do_remount acts on the
        // super_block).
        r = flags & MS_BIND ? 0
                            : uk::sys_mount(t, source.c_str(), m.kdir.c_str(), "container",
                                            flags & (MS_REMOUNT | MS_RDONLY),
                                            have_data ? data.c_str() : nullptr);
        break;
      }
    }
    if (!r) return respond_continue(req.id);
    // Then this mount's own flags (set_mount_attributes), on the host's mount, made by
    // the supervisor so that the table knows.
    constexpr unsigned long kMountFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
                                          MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
                                          MS_STRICTATIME | MS_NOSYMFOLLOW;
    if (*r == 0) {
      r = reconfigure_mount_for(req.pid, req.id, target,
                                MS_REMOUNT | MS_BIND | (flags & kMountFlags));
    }
    return respond(req.id, *r);
  }
  // A bind or move of a uk mount continues: the copy or the moved mount keeps its FUSE
  // device, by which the table knows its mounts (reconcile_locked).
  if (flags & (MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
    return respond_continue(req.id);
  }
  if (have_type && (type == "container" || type == "cgroup" || type == "cpuset")) {
    return respond(req.id, container_mount(req.pid, source, dir, type, flags,
                                           have_data ? data.c_str() : nullptr));
  }
  // The host's cgroups are never touched from inside: cgroup v1 is the kernel's
  // `cgroup` flavour (above), and the kernel has no cgroup2.
  if (have_type && type == "cgroup2") return respond(req.id, -ENODEV);
  respond_continue(req.id);
}

// umount2 is never continued while it could reach a uk mount: a continued call runs
// after the reply, by when another trap may have mounted there (two `mount; umount`
// loops on one directory left uk's record of a mount the host no longer had). The
// supervisor makes the call itself, in the tracee's root and cwd, under mounts_mu_,
// then drops what it took. Comparing the target's st_dev with uk's devices and
// continuing otherwise would keep the race (the check, then the act). Continued: the
// calls that cannot unmount anything of the supervisor's namespace: from another mount
// namespace (check_mnt() limits them to their own), or without may_mount() there (the
// kernel answers EINVAL or EPERM as it would; capabilities are the thread's own and
// cannot change while it waits here). (Also continued should this thread lack an
// fs_struct of its own, i.e. unshare(CLONE_FS) failed, which it does not here.)
void supervisor::on_umount(const seccomp_notif& req) {
  std::string target;
  bool ok = read_string(req.pid, req.data.args[0], &target);
  int flags = static_cast<int>(req.data.args[1]);
  if (!id_valid(req.id)) return;
  tracker_.note_syscall(req.pid);
  if (ns_inode(std::to_string(req.pid), "mnt") != ns_inode("self", "mnt") || !may_mount(req.pid) ||
      own_root_fd_ < 0) {
    return respond_continue(req.id);
  }
  // Not continued either: another thread could make the string readable meanwhile.
  // ksys_umount(): the flags first, then the name.
  if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) {
    return respond(req.id, -EINVAL);
  }
  if (!ok) return respond(req.id, target.size() >= PATH_MAX ? -ENAMETOOLONG : -EFAULT);
  respond(req.id, umount_for(req.pid, req.id, target, flags));
}

void supervisor::private_fs() {
  // The umount2 made for a tracee resolves its path with the tracee's root and cwd,
  // set on this thread only (chroot and fchdir act on the fs_struct, shared by every
  // thread until this).
  if (unshare(CLONE_FS) != 0) return;
  own_root_fd_ = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  own_cwd_fd_ = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

long supervisor::in_tracee_fs(pid_t tid, uint64_t id, std::string& target,
                              absl::FunctionRef<long()> call) {
  // The tracee's /proc/self is not the supervisor's.
  for (const char* self : {"/proc/self/", "/proc/thread-self/"}) {
    if (target.rfind(self, 0) == 0) {
      target = absl::StrCat("/proc/", tid, "/", target.substr(strlen(self)));
    }
  }
  int root = open(absl::StrCat("/proc/", tid, "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  int cwd = open(absl::StrCat("/proc/", tid, "/cwd").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  // Still the same thread (the pid cannot have been reused while its call waits).
  bool valid = root >= 0 && cwd >= 0 && id_valid(id);
  long r = -ESRCH;  // the tracee is gone: the reply goes nowhere
  if (valid) {
    r = fchdir(root) == 0 && chroot(".") == 0 && fchdir(cwd) == 0 ? 0 : -errno;
    if (r == 0) r = call();
    if (fchdir(own_root_fd_) != 0 || chroot(".") != 0 || fchdir(own_cwd_fd_) != 0) {
      fprintf(stderr, "uk-run: cannot return to the supervisor's root: %s\n", strerror(errno));
      abort();  // every later path of this thread would be resolved in the tracee's
    }
  }
  if (root >= 0) close(root);
  if (cwd >= 0) close(cwd);
  return r;
}

long supervisor::umount_for(pid_t tid, uint64_t id, std::string target, int flags) {
  std::vector<std::unique_ptr<fuse_bridge>> gone;  // destroyed after the lock
  absl::MutexLock l(&mounts_mu_);
  long r = in_tracee_fs(tid, id, target,
                        [&] { return umount2(target.c_str(), flags) == 0 ? 0L : -errno; });
  // The kernel's umount of what went runs as init: pins are taken before mounts_mu_,
  // and the host has decided.
  if (r == 0) reconcile_locked(tid, &gone);
  return r;
}

long supervisor::reconfigure_mount_for(pid_t tid, uint64_t id, std::string target,
                                       unsigned long flags) {
  absl::MutexLock l(&mounts_mu_);
  return in_tracee_fs(tid, id, target, [&] {
    // do_reconfigure_mnt() takes the flags only: no source, type or data.
    return mount(nullptr, target.c_str(), nullptr, flags, nullptr) == 0 ? 0L : -errno;
  });
}

long supervisor::container_mount(pid_t caller, const std::string& source, const std::string& dir,
                                 const std::string& type, unsigned long flags, const char* data,
                                 bool parents) {
  // The host directory, made if missing (the last component only, unless `parents`),
  // as a mount point only, and removed at exit.
  std::vector<std::string> made;
  struct stat sb;
  if (stat(dir.c_str(), &sb) != 0) {
    std::string partial;
    std::vector<std::string> parts = absl::StrSplit(dir, '/', absl::SkipEmpty());
    for (size_t i = 0; i < parts.size(); i++) {
      absl::StrAppend(&partial, "/", parts[i]);
      if ((parents || i + 1 == parts.size()) && mkdir(partial.c_str(), 0755) == 0) {
        made.push_back(partial);
      }
    }
    if (stat(dir.c_str(), &sb) != 0) {
      for (auto it = made.rbegin(); it != made.rend(); ++it) rmdir(it->c_str());
      return -ENOENT;
    }
  }
  if (!S_ISDIR(sb.st_mode)) return -ENOTDIR;
  std::vector<std::unique_ptr<fuse_bridge>> gone;  // destroyed after the lock
  // Pins before mounts_mu_ (the lock order); the pin ends before any host path is
  // looked up under the lock, since a lookup on a FUSE mount needs the FUSE loops,
  // which take pins, and a check waiting for every pin would block them.
  std::optional<tracker::pinned_task> pinned;
  if (caller != 0) pinned.emplace(tracker_.task_for(caller));
  uk::task_struct& t = pinned && pinned->task ? *pinned->task : *kernel_.init_task();
  pid_t t_pid = t.pid;
  absl::MutexLock l(&mounts_mu_);
  // A record whose device is gone must not alias a new mount's.
  reconcile_locked(kernel_.init_task()->pid, &gone);
  uk::task_struct& init = *kernel_.init_task();
  std::string kdir = absl::StrCat(kMountBase, "/", next_kdir_++);
  uk::sys_mkdir(init, kMountBase, 0755);
  uk::sys_mkdir(init, kdir.c_str(), 0755);
  unsigned long kflags =
      flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME);
  long r = uk::sys_mount(t, source.c_str(), kdir.c_str(), type.c_str(), kflags, data);
  pinned.reset();
  struct stat kst = {};
  if (r == 0) r = uk::sys_stat(init, kdir.c_str(), &kst);
  if (r == 0) {
    // do_add_mount(): "refuse the same filesystem on the same mount point": the same
    // hierarchy (mounting its subsystem set again reuses it) right on top of itself.
    auto at = mount_root_dev(dir);
    for (const mount_rec& m : mounts_) {
      if (at && at->second && m.dev == at->first && m.kdev == kst.st_dev) r = -EBUSY;
    }
  }
  if (r == 0) {
    auto fuse = fuse_bridge::mount(std::make_unique<fuse_state>(kernel_, tracker_, kdir), dir,
                                   source, flags);
    if (!fuse.ok()) {
      fprintf(stderr, "uk-run: %s\n", fuse.status().ToString().c_str());
      r = -EIO;
    } else {
      if (opts_.verbose) {
        fprintf(stderr, "uk-run: FUSE at %s: %s\n", dir.c_str(), (*fuse)->transport().c_str());
      }
      dev_t dev = (*fuse)->dev();
      mounts_.push_back(
          {dir, kdir, type, data ? data : "", std::move(fuse).value(), dev, kst.st_dev});
      created_dirs_.insert(created_dirs_.end(), made.begin(), made.end());
      if (recorder_) recorder_->mount_point(kdir, dir);
    }
  }
  if (r != 0) {
    if (kst.st_dev != 0) uk::sys_umount(init, kdir.c_str(), MNT_DETACH);
    uk::sys_rmdir(init, kdir.c_str());
    for (auto it = made.rbegin(); it != made.rend(); ++it) rmdir(it->c_str());
  }
  if (trace_.enabled()) {
    trace_.event("mount",
                 absl::StrFormat("\"pid\":%d,\"type\":\"%s\",\"options\":\"%s\","
                                 "\"dir\":\"%s\",\"result\":%d",
                                 t_pid, type, json_escape(data ? data : ""), json_escape(dir), r));
  }
  return r;
}

}  // namespace ukrun
