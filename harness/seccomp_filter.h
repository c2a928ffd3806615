// The seccomp filter COMMAND runs under, and the hand-over of its listener to the
// supervisor (harness/README.md, "How forks, execs and exits reach the kernel").
#ifndef UK_HARNESS_SECCOMP_FILTER_H_
#define UK_HARNESS_SECCOMP_FILTER_H_

#include <linux/filter.h>

#include <vector>

#include "absl/status/statusor.h"

namespace ukrun {

// Which syscall families notify the supervisor besides the mount, statfs, unshare and
// namespace-clone traps every run has.
struct filter_traps {
  bool proc = true;      // read-only open/openat: /proc emulation
  bool forks = false;    // fork/vfork/clone: --pids
  bool sockets = false;  // connect/accept/accept4: --net
  bool execs = false;    // execve/execveat: --rules
  bool exits = false;    // exit/exit_group: --exact-exits
};

// The filter's BPF, built with libseccomp in the supervisor.
absl::StatusOr<std::vector<sock_filter>> build_filter(const filter_traps& traps);

// In the child that becomes COMMAND: loads `prog` and returns the listener fd, or -1
// with errno set.
long install_filter(std::vector<sock_filter>& prog);

// A second filter, without a listener: unshare/clone with CLONE_NEWCGROUP get EPERM.
absl::StatusOr<std::vector<sock_filter>> build_cgroupns_filter();
// Loads a filter without a listener: 0, or -1 with errno set.
long install_plain_filter(std::vector<sock_filter>& prog);

// The filters COMMAND gets from uk-run (the plain one and the notifying one): what
// /proc/<tid>/status's Seccomp_filters counts beyond the program's own and its
// caller's.
inline constexpr int kOwnFilters = 2;

// One fd over a unix socket (SCM_RIGHTS). send_fd returns 0 or -1; recv_fd the fd or -1.
int send_fd(int sock, int fd);
int recv_fd(int sock);

}  // namespace ukrun

#endif  // UK_HARNESS_SECCOMP_FILTER_H_
