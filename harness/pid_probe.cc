// The pid probe (see harness/pid_probe.h).
#include "harness/pid_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/host_file.h"

namespace ukrun {

namespace {

// PIDFD_GET_INFO's struct in its first version (Linux 6.13, include/uapi/linux/pidfd.h;
// Debian 12's headers predate it). One ioctl on the pidfd the probe opens anyway gives
// the parent, where reading /proc/<pid>/stat took an open, a read and a close with a
// /proc path walk: a third of the supervisor's work per fork.
struct pidfd_info_v0 {
  uint64_t mask;
  uint64_t cgroupid;
  uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  int32_t exit_code;
};
static_assert(sizeof(pidfd_info_v0) == 64, "PIDFD_INFO_SIZE_VER0");
constexpr unsigned long kPidfdGetInfo = _IOWR(0xFF, 11, pidfd_info_v0);
constexpr uint64_t kPidfdInfoPid = 1;

}  // namespace

std::string read_comm(pid_t tgid, pid_t tid) {
  std::string comm =
      read_host_file(absl::StrCat("/proc/", tgid, "/task/", tid, "/comm")).value_or("");
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

pid_prober::pid_prober() { owner_fd_ = eventfd(0, EFD_CLOEXEC); }

pid_prober::~pid_prober() {
  if (owner_fd_ >= 0) close(owner_fd_);
}

int pid_prober::published(pid_t pid) {
  if (owner_fd_ < 0) return -EBADF;
  if (fcntl(owner_fd_, F_SETOWN, pid) == 0) return 1;
  return errno == ESRCH ? 0 : -errno;
}

pid_info pid_prober::probe(pid_t pid) {
  pid_info info;
  auto no_task = [&]() {
    int p = published(pid);
    if (p < 0) {
      info.kind = pid_info::error;
      info.err = -p;
    } else {
      info.kind = p ? pid_info::in_flight : pid_info::gone;
    }
    return info;
  };
  // A /proc file, or "" (errno kept from a failed open: out of fds is not "gone").
  auto read_proc = [&](const char* file, std::string* out) {
    errno = 0;
    *out = read_host_file(absl::StrCat("/proc/", pid, "/", file)).value_or("");
    if (out->empty() && (errno == EMFILE || errno == ENFILE || errno == ENOMEM)) {
      info.kind = pid_info::error;
      info.err = errno;
      return false;
    }
    return true;
  };
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd >= 0 && use_pidfd_info_) {
    pidfd_info_v0 pi = {};
    pi.mask = kPidfdInfoPid;
    if (ioctl(fd, kPidfdGetInfo, &pi) == 0) {
      info.kind = pid_info::process;
      info.tgid = pid;
      info.ppid = static_cast<pid_t>(pi.ppid);
      info.pidfd = fd;
      return info;
    }
    int e = errno;
    if (e == ESRCH) {
      close(fd);
      return no_task();  // reaped between the two calls
    }
    if (e != ENOTTY && e != EINVAL) {
      close(fd);
      info.kind = pid_info::error;
      info.err = e;
      return info;
    }
    use_pidfd_info_ = false;  // a kernel before 6.13: /proc from now on
  }
  if (fd >= 0) {
    // A leader: /proc/<pid>/stat gives its state and parent.
    std::string stat;
    if (!read_proc("stat", &stat)) {
      close(fd);
      return info;
    }
    std::optional<proc_stat_head> head = parse_proc_stat(stat);
    if (!head) {
      close(fd);
      return no_task();  // reaped between the two calls
    }
    if (head->state == 'Z' || head->state == 'X') {
      close(fd);
      info.kind = pid_info::zombie;
      return info;
    }
    info.kind = pid_info::process;
    info.tgid = pid;
    info.ppid = head->ppid;
    info.pidfd = fd;
    info.comm = std::move(head->comm);
    return info;
  }
  int e = errno;
  // ESRCH: no task (reaped, or not attached yet); ENOENT (Linux >= 6.9) or EINVAL
  // (before): a task that is not a thread-group leader, or before 6.9 no task.
  if (e != ESRCH && e != ENOENT && e != EINVAL) {
    info.kind = pid_info::error;
    info.err = e;
    return info;
  }
  if (e != ESRCH) {
    std::string status;
    if (!read_proc("status", &status)) return info;
    std::optional<std::string_view> tgid_field = proc_status_field(status, "Tgid:");
    std::optional<std::string_view> state = proc_status_field(status, "State:");
    int tgid = 0;
    if (tgid_field && state && !state->empty() &&
        absl::SimpleAtoi(absl::string_view(tgid_field->data(), tgid_field->size()), &tgid)) {
      // A thread that has exited is released at once: never a task.
      if ((*state)[0] == 'Z' || (*state)[0] == 'X') return info;
      info.kind = pid_info::thread;
      info.tgid = tgid;
      return info;
    }
  }
  return no_task();
}

}  // namespace ukrun
