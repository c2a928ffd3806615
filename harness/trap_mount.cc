// mount(2) and umount2(2): a container hierarchy is mounted in the kernel and served
// at the same path by a FUSE filesystem of its own (fuse_bridge.h).
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/supervisor.h"
#include "vfs/syscalls.h"

namespace ukrun {

void supervisor::on_mount(const seccomp_notif& req) {
  std::string source, target, type, data;
  uint64_t flags = req.data.args[3];
  read_string(req.pid, req.data.args[0], &source);
  bool have_target = read_string(req.pid, req.data.args[1], &target);
  bool have_type = read_string(req.pid, req.data.args[2], &type);
  bool have_data = read_string(req.pid, req.data.args[4], &data);
  if (!id_valid(req.id)) return;  // the arguments may be from another syscall
  tracker_.note_syscall(req.pid);
  if (!have_target) return respond_continue(req.id);
  std::string dir = resolve(req.pid, target);
  bool ours = mounts_.contains(dir);
  if ((flags & MS_REMOUNT) && ours) {
    tracker::pinned_task pinned = tracker_.task_for(req.pid);
    uk::task_struct* t = pinned.task;
    long r = uk::sys_mount(t ? *t : *kernel_.init_task(), source.c_str(), dir.c_str(), "container",
                           flags & (MS_REMOUNT | MS_RDONLY), have_data ? data.c_str() : nullptr);
    return respond(req.id, r);
  }
  if (flags &
      (MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
    return respond_continue(req.id);
  }
  if (have_type && (type == "container" || type == "cgroup" || type == "cpuset")) {
    tracker::pinned_task pinned = tracker_.task_for(req.pid);
    uk::task_struct* t = pinned.task;
    return respond(req.id, container_mount(t ? *t : *kernel_.init_task(), source, dir, type, flags,
                                           have_data ? data.c_str() : nullptr));
  }
  // The host's cgroups are never touched from inside: cgroup v1 is the kernel's
  // `cgroup` flavour (above), and the kernel has no cgroup2.
  if (have_type && type == "cgroup2") return respond(req.id, -ENODEV);
  respond_continue(req.id);
}

void supervisor::on_umount(const seccomp_notif& req) {
  std::string target;
  bool ok = read_string(req.pid, req.data.args[0], &target);
  if (!id_valid(req.id)) return;
  tracker_.note_syscall(req.pid);
  if (!ok) return respond_continue(req.id);
  std::string dir = resolve(req.pid, target);
  if (!mounts_.contains(dir)) return respond_continue(req.id);
  tracker::pinned_task pinned = tracker_.task_for(req.pid);
  uk::task_struct* t = pinned.task;
  respond(req.id,
          container_umount(t ? *t : *kernel_.init_task(), dir, static_cast<int>(req.data.args[1])));
}

long supervisor::container_mount(uk::task_struct& t, const std::string& source,
                                 const std::string& dir, const std::string& type,
                                 unsigned long flags, const char* data) {
  if (mounts_.contains(dir)) return -EBUSY;
  struct stat sb;
  bool created = false;
  if (stat(dir.c_str(), &sb) != 0) {
    // The host has no such directory: make one, as a mount point only, and remove
    // it at exit.
    if (mkdir(dir.c_str(), 0755) != 0) return -ENOENT;
    created = true;
  } else if (!S_ISDIR(sb.st_mode)) {
    return -ENOTDIR;
  }
  // The same path in the kernel's own namespace.
  std::string partial;
  for (absl::string_view part : absl::StrSplit(dir, '/', absl::SkipEmpty())) {
    absl::StrAppend(&partial, "/", part);
    uk::sys_mkdir(*kernel_.init_task(), partial.c_str(), 0755);
  }
  unsigned long kflags =
      flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME);
  long r = uk::sys_mount(t, source.c_str(), dir.c_str(), type.c_str(), kflags, data);
  if (r == 0) {
    auto fuse = fuse_bridge::mount(kernel_, tracker_, dir, source);
    if (!fuse.ok()) {
      fprintf(stderr, "uk-run: %s\n", fuse.status().ToString().c_str());
      uk::sys_umount(*kernel_.init_task(), dir.c_str(), 0);
      r = -EIO;
    } else {
      if (opts_.verbose) {
        fprintf(stderr, "uk-run: FUSE at %s: %s\n", dir.c_str(), (*fuse)->transport().c_str());
      }
      struct stat st = {};
      stat(dir.c_str(), &st);
      absl::MutexLock l(&mounts_mu_);
      mounts_[dir] = {type, data ? data : "", std::move(fuse).value(), st.st_dev, flags};
      if (created) created_dirs_.push_back(dir);
    }
  }
  if (r != 0 && created) rmdir(dir.c_str());
  if (trace_.enabled()) {
    trace_.event("mount",
                 absl::StrFormat("\"pid\":%d,\"type\":\"%s\",\"options\":\"%s\","
                                 "\"dir\":\"%s\",\"result\":%d",
                                 t.pid, type, json_escape(data ? data : ""), json_escape(dir), r));
  }
  return r;
}

long supervisor::container_umount(uk::task_struct& t, const std::string& dir, int flags) {
  // The host side first: a busy mount stays as it is (EBUSY), as in the kernel.
  if (umount2(dir.c_str(), flags & (MNT_FORCE | MNT_DETACH)) != 0) return -errno;
  long r = uk::sys_umount(t, dir.c_str(), 0);
  if (r != 0) uk::sys_umount(*kernel_.init_task(), dir.c_str(), MNT_DETACH);
  {
    // Destroyed after the lock: joins the FUSE loop, which the unmount ended.
    decltype(mounts_)::node_type gone;
    absl::MutexLock l(&mounts_mu_);
    gone = mounts_.extract(dir);
  }
  if (trace_.enabled()) {
    trace_.event("umount", absl::StrFormat("\"pid\":%d,\"dir\":\"%s\"", t.pid, json_escape(dir)));
  }
  return 0;
}

}  // namespace ukrun
