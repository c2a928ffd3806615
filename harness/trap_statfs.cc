// statfs(2) and fstatfs(2) on uk-run's FUSE mounts.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "harness/supervisor.h"
#include "uk/containerfs.h"

namespace ukrun {

// statfs(2) and fstatfs(2): a path or fd on one of uk-run's FUSE mounts gets what the
// kernel's statfs gives for a cgroup/container super_block (simple_statfs: the magic,
// 4096-byte blocks, no counts, 255-byte names), with the mount's flags and an fsid from
// the FUSE device; everything else continues. The file is looked up through the
// tracee's own root, cwd or fd table in /proc. Errors are left to the real syscall.
void supervisor::on_statfs(const seccomp_notif& req, bool by_fd) {
  {
    absl::MutexLock l(&mounts_mu_);
    if (mounts_.empty()) return respond_continue(req.id);
  }
  std::string target;
  if (by_fd) {
    target = absl::StrCat("/proc/", req.pid, "/fd/", static_cast<int>(req.data.args[0]));
  } else {
    std::string path;
    if (!read_string(req.pid, req.data.args[0], &path) || path.empty()) {
      return respond_continue(req.id);
    }
    target = absl::StrCat("/proc/", req.pid, path[0] == '/' ? "/root" : "/cwd/", path);
  }
  struct stat st;
  struct statfs sfs;
  if (!id_valid(req.id) || stat(target.c_str(), &st) != 0) return respond_continue(req.id);
  std::optional<unsigned long> flags;
  {
    absl::MutexLock l(&mounts_mu_);
    for (const mount_rec& m : mounts_) {
      if (m.dev == st.st_dev) flags = m.flags;
    }
  }
  if (!flags || statfs(target.c_str(), &sfs) != 0) return respond_continue(req.id);
  struct statfs out = {};
  out.f_type = static_cast<__fsword_t>(uk::CONTAINER_SUPER_MAGIC);
  out.f_bsize = 4096;
  out.f_frsize = 4096;
  out.f_namelen = 255;
  // FUSE adds nosuid and nodev: only those asked for show (ST_* == MS_* for these).
  out.f_flags = (sfs.f_flags & ~(ST_NOSUID | ST_NODEV)) | (*flags & (MS_NOSUID | MS_NODEV));
  uint64_t dev = st.st_dev;
  memcpy(&out.f_fsid, &dev, sizeof out.f_fsid);
  iovec local = {&out, sizeof out};
  iovec remote = {reinterpret_cast<void*>(req.data.args[1]), sizeof out};
  if (!id_valid(req.id)) return;
  if (process_vm_writev(req.pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(sizeof out)) {
    return respond(req.id, -EFAULT);
  }
  respond(req.id, 0);
}

}  // namespace ukrun
