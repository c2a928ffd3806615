// The net subsystem on uk-run's real processes: every TCP socket of a container with a
// rate_bps limit (its own or an ancestor's) gets SO_MAX_PACING_RATE, set by the
// supervisor on a duplicate of the tracee's fd (pidfd_getfd(2)); TCP paces itself
// (Linux 4.13+, no fq qdisc needed). See harness/README.md ("net") for the design,
// the measurements and the limits.
//
// The split (net_split below): a limited container's rate covers its whole subtree, so
// each of the N distinct sending sockets (deduplicated by socket inode) held by tasks
// in its subtree gets rate/N; a socket under several limits gets the smallest share.
// A listening socket gets rate/(N+1), the share its next connection would have: an
// accepted socket inherits the listener's pacing rate (sk_clone_lock copies it).
//
// When: a pass runs at once after a rate_bps write or an attach (the subsystem's change
// notifier), every 100 ms while some container has a limit or some socket still carries
// a rate uk-run set, and synchronously in the connect/accept/accept4 trap (uk-run
// --net), so that a new connection is paced from its first byte. Without a limit the
// thread sleeps and the trap answers at once.
//
// Lock order: pass_mu_, then tracker::mu_ (settle), then the kernel's locks (the
// snapshot). wake_mu_ is a leaf: the change notifier, called under container_mutex,
// takes only it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "harness/tracker.h"
#include "subsys/net.h"
#include "uk/kernel.h"

namespace ukrun {

// SO_MAX_PACING_RATE's "no limit".
inline constexpr uint64_t kUnpaced = ~0ULL;

// The pure part of a pass. Containers are indexed parents first; a socket is held by
// the tasks of one or more containers.
struct net_split_input {
  struct group {
    int parent;         // index, -1 for the hierarchy's root
    uint64_t rate_bps;  // own rate_bps, 0 = none
  };
  struct socket {
    std::vector<int> holders;  // groups whose tasks hold it
    bool listening;
  };
  std::vector<group> groups;
  std::vector<socket> sockets;
};
// Bytes per second for each socket (kUnpaced when no limit covers it), at least 1.
std::vector<uint64_t> net_split(const net_split_input& in);

class net_enforcer {
 public:
  net_enforcer(uk::kernel& k, tracker& tr, trace_log& trace);
  // Unhooks from the net subsystem, stops the thread, unpaces every socket it paced
  // that is still open.
  ~net_enforcer();
  net_enforcer(const net_enforcer&) = delete;
  net_enforcer& operator=(const net_enforcer&) = delete;

  void start();
  // The connect/accept/accept4 trap of thread `tid` on its socket `fd`, before the
  // syscall runs: with a limit anywhere, a pass now; a connecting socket is counted
  // (it is in no /proc/net/tcp* table yet) and paced before its first byte.
  void on_socket_call(pid_t tid, int fd, bool connecting);

  struct stats {
    uint64_t passes = 0;
    uint64_t sets = 0;     // setsockopt calls that took
    uint64_t pass_ns = 0;  // total
    uint64_t max_pass_ns = 0;
  };
  stats get_stats();

 private:
  struct paced {
    pid_t tgid;
    int fd;
    uint64_t rate;  // bytes/s last set
  };

  void run();
  void kick();
  // `settled`: the caller has just settled the tracker (a trapped connect/accept).
  void pass(pid_t extra_tid, int extra_fd, bool settled = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  // pidfd_getfd of the tracee's `fd`, if it still is socket `ino`; else -1.
  int grab(pid_t tgid, int fd, uint64_t ino);
  bool apply(int dup, pid_t tgid, uint64_t ino, uint64_t bytes_per_s)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  bool set_rate(pid_t tgid, int fd, uint64_t ino, uint64_t bytes_per_s)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);

  uk::kernel& kernel_;
  tracker& tracker_;
  trace_log& trace_;
  uk::net_subsys* net_;
  const pid_t self_;

  absl::Mutex pass_mu_;
  std::map<uint64_t, paced> paced_ ABSL_GUARDED_BY(pass_mu_);  // by socket inode
  stats stats_ ABSL_GUARDED_BY(pass_mu_);
  absl::flat_hash_set<uint64_t> not_tcp_ ABSL_GUARDED_BY(pass_mu_);  // inodes seen last pass

  absl::Mutex wake_mu_;
  bool kicked_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool active_ ABSL_GUARDED_BY(wake_mu_) = false;  // poll every 100 ms
  std::thread thread_;
};

}  // namespace ukrun
