// The notification dispatcher: each trapped syscall to its trap family, the replies,
// and reading the tracee's strings and paths.
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/host_file.h"
#include "harness/supervisor.h"

namespace ukrun {

void supervisor::serve(const seccomp_notif& req) {
  int nr = req.data.nr;
  const auto& a = req.data.args;
  if (nr == SCMP_SYS(clone)) {
    return on_fork(req, a[0]);
  } else if (nr == SCMP_SYS(fork)) {
    return on_fork(req, SIGCHLD);
  } else if (nr == SCMP_SYS(vfork)) {
    return on_fork(req, CLONE_VFORK | CLONE_VM | SIGCHLD);
  } else if (nr == SCMP_SYS(execve)) {
    return on_exec(req, AT_FDCWD, a[0]);
  } else if (nr == SCMP_SYS(execveat)) {
    return on_exec(req, static_cast<int>(a[0]), a[1]);
  } else if (nr == SCMP_SYS(exit)) {
    tracker_.thread_exit(req.pid);
  } else if (nr == SCMP_SYS(exit_group)) {
    tracker_.group_exit(req.pid, static_cast<int>(a[0] & 0xff) << 8);
  } else if (nr == SCMP_SYS(mount)) {
    return on_mount(req);
  } else if (nr == SCMP_SYS(umount2)) {
    return on_umount(req);
  } else if (nr == SCMP_SYS(open)) {
    return on_open(req, AT_FDCWD, a[0], static_cast<int>(a[1]));
  } else if (nr == SCMP_SYS(openat)) {
    return on_open(req, static_cast<int>(a[0]), a[1], static_cast<int>(a[2]));
  } else if (nr == SCMP_SYS(statfs)) {
    return on_statfs(req, false);
  } else if (nr == SCMP_SYS(fstatfs)) {
    return on_statfs(req, true);
  } else if (nr == SCMP_SYS(connect) || nr == SCMP_SYS(accept) || nr == SCMP_SYS(accept4)) {
    tracker_.note_syscall(req.pid);
    net_enforcer_->on_socket_call(req.pid, static_cast<int>(a[0]), nr == SCMP_SYS(connect));
  } else if (nr == SCMP_SYS(prctl)) {
    return on_prctl_get_seccomp(req);  // the filter notifies PR_GET_SECCOMP only
  } else if (nr == SCMP_SYS(unshare)) {
    // Applied once it has returned (tracker.h: note_unshare).
    tracker_.note_unshare(req.pid, a[0]);
  }
  respond_continue(req.id);
}

void supervisor::respond_continue(uint64_t id) {
  tracker_.note_answer();
  memset(resp_, 0, sizeof *resp_);
  resp_->id = id;
  resp_->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  seccomp_notify_respond(notify_fd_, resp_);  // ENOENT: the tracee is gone or interrupted
}

void supervisor::respond(uint64_t id, long result) {
  tracker_.note_answer();
  memset(resp_, 0, sizeof *resp_);
  resp_->id = id;
  if (result < 0) {
    resp_->error = static_cast<int32_t>(result);
  } else {
    resp_->val = result;
  }
  seccomp_notify_respond(notify_fd_, resp_);
}

bool supervisor::id_valid(uint64_t id) { return seccomp_notify_id_valid(notify_fd_, id) == 0; }

bool supervisor::read_string(pid_t pid, uint64_t addr, std::string* out) {
  return addr != 0 && read_string_upto(pid, addr, PATH_MAX, out) == 0;
}

int supervisor::read_string_upto(pid_t pid, uint64_t addr, size_t limit, std::string* out) {
  out->clear();
  char buf[4096];
  while (out->size() < limit) {
    // Never read across a page boundary in one go: the next page may be unmapped.
    size_t chunk = 4096 - (addr % 4096);
    iovec local = {buf, chunk};
    iovec remote = {reinterpret_cast<void*>(addr), chunk};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) return -EFAULT;
    const char* end = static_cast<const char*>(memchr(buf, 0, static_cast<size_t>(n)));
    if (end) {
      out->append(buf, end - buf);
      if (out->size() < limit) return 0;
      out->resize(limit);
      return -ENAMETOOLONG;
    }
    out->append(buf, static_cast<size_t>(n));
    addr += static_cast<uint64_t>(n);
  }
  out->resize(limit);
  return -ENAMETOOLONG;
}

std::string supervisor::resolve(pid_t pid, const std::string& path) {
  std::string abs = path;
  if (abs.empty() || abs[0] != '/') {
    std::optional<std::string> cwd = read_host_link(absl::StrCat("/proc/", pid, "/cwd"));
    if (!cwd || cwd->empty()) return path;
    abs = absl::StrCat(*cwd, "/", path);
  }
  char real[PATH_MAX];
  if (realpath(abs.c_str(), real)) return real;
  // Missing: normalise slashes only.
  std::string out;
  for (absl::string_view part : absl::StrSplit(abs, '/', absl::SkipEmpty())) {
    absl::StrAppend(&out, "/", part);
  }
  return out.empty() ? "/" : out;
}

}  // namespace ukrun
