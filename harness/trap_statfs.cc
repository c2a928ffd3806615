// statfs(2) and fstatfs(2) on uk-run's FUSE mounts and emulated /proc files.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/host_file.h"
#include "harness/supervisor.h"
#include "uk/containerfs.h"
#include "vfs/syscalls.h"

namespace ukrun {

// statfs(2) and fstatfs(2): a path or fd on one of uk-run's FUSE mounts gets what the
// kernel's statfs gives for a cgroup/container super_block (simple_statfs: the magic,
// 4096-byte blocks, no counts, 255-byte names), with the mount's flags and an fsid from
// the FUSE device; everything else continues. The file is looked up through the
// tracee's own root, cwd or fd table in /proc. Errors are left to the real syscall.
void supervisor::on_statfs(const seccomp_notif& req, bool by_fd) {
  bool no_mounts;
  {
    absl::MutexLock l(&mounts_mu_);
    no_mounts = mounts_.empty();
  }
  if (no_mounts && !proc_shadow_) return respond_continue(req.id);
  std::string target;
  if (by_fd) {
    target = absl::StrCat("/proc/", req.pid, "/fd/", static_cast<int>(req.data.args[0]));
  } else {
    std::string path;
    if (!read_string(req.pid, req.data.args[0], &path) || path.empty()) {
      return respond_continue(req.id);
    }
    target = absl::StrCat("/proc/", req.pid, path[0] == '/' ? "/root" : "/cwd/",
                          own_links(req.pid, path));
  }
  struct stat st;
  struct statfs sfs;
  if (!id_valid(req.id) || stat(target.c_str(), &st) != 0) return respond_continue(req.id);
  if (proc_shadow_ && st.st_dev == proc_shadow_->dev()) {
    // An emulated /proc file (trap_proc.cc): its procfs's statfs, as natively. Its
    // name is the procfs file's own (proc_shadow.h); a file only uk has, its directory's.
    std::optional<std::string> name = read_host_link(target);
    if (!name || (statfs(name->c_str(), &sfs) != 0 &&
                  statfs(name->substr(0, name->rfind('/') + 1).c_str(), &sfs) != 0)) {
      return respond_continue(req.id);
    }
    return write_statfs(req, sfs);
  }
  // calculate_f_flags(): the mount's own flags are the host mount's (a FUSE mount is
  // made and remounted with the program's), the super_block's are the kernel's.
  std::optional<long> sb_flags;
  fsid_t fsid = {};  // the kernel's for the hierarchy, through every mount of it
  {
    absl::MutexLock l(&mounts_mu_);
    for (const mount_rec& m : mounts_) {
      struct statfs k;
      if (m.dev != st.st_dev || uk::sys_statfs(*kernel_.init_task(), m.kdir.c_str(), &k) != 0) {
        continue;
      }
      sb_flags = k.f_flags & (ST_RDONLY | ST_SYNCHRONOUS | ST_MANDLOCK);
      fsid = k.f_fsid;
    }
  }
  if (!sb_flags || statfs(target.c_str(), &sfs) != 0) return respond_continue(req.id);
  struct statfs out = {};
  out.f_type = static_cast<__fsword_t>(uk::CONTAINER_SUPER_MAGIC);
  out.f_bsize = 4096;
  out.f_frsize = 4096;
  out.f_namelen = 255;
  out.f_flags = sfs.f_flags | *sb_flags;
  out.f_fsid = fsid;
  write_statfs(req, out);
}

// The answer to a statfs or fstatfs: `out` into the caller's buffer, then 0.
void supervisor::write_statfs(const seccomp_notif& req, const struct statfs& out) {
  iovec local = {const_cast<struct statfs*>(&out), sizeof out};
  iovec remote = {reinterpret_cast<void*>(req.data.args[1]), sizeof out};
  if (!id_valid(req.id)) return;
  if (process_vm_writev(req.pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(sizeof out)) {
    return respond(req.id, -EFAULT);
  }
  respond(req.id, 0);
}

// `path` with its first link to the caller's own /proc directory (/proc/self,
// /proc/thread-self, /dev/fd) naming thread `tid`'s, which the supervisor's lookup
// would take for its own.
std::string supervisor::own_links(pid_t tid, const std::string& path) {
  for (const auto& [link, own] :
       {std::pair<const char*, std::string>{"/proc/self/", absl::StrCat("/proc/", tid, "/")},
        {"/proc/thread-self/", absl::StrCat("/proc/", tid, "/task/", tid, "/")},
        {"/dev/fd/", absl::StrCat("/proc/", tid, "/fd/")}}) {
    if (absl::StartsWith(path, link)) return own + path.substr(strlen(link));
  }
  return path;
}

}  // namespace ukrun
