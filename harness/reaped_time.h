// cpuacct's reaped time for uk-run (subsys/cpuacct.h): the CPU time of processes that
// were never tasks, taken from their reaper's cutime + cstime (/proc/<pid>/stat fields
// 16-17: every waited-for child's time, its own reaped children's included), minus
// what was charged for the children that were tasks. So the time of a process that
// started and ended between two observations goes to the container of the task that
// reaped it (or of its nearest ancestor that is a task), and the totals stay exact to
// a clock tick per reading. A task reaped before its exit was read (its parent's wait
// came first) is charged, to its own container, what its reaper's cutime then holds
// past what was charged for it. Not counted: children nobody waits for (SIGCHLD ignored:
// the host adds them to no cutime). harness/README.md has the measured error.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "subsys/cpuacct.h"

namespace ukrun {

class reaped_time final : public uk::reaped_time_hooks {
 public:
  // `init`: the supervisor, uk's init, which reaps orphans.
  explicit reaped_time(pid_t init);

  void forked(pid_t tgid, pid_t ppid) override;
  void charged(pid_t tgid, uint64_t ns) override;
  uk::reaped_cputime take_reaped(pid_t tgid, bool exiting) override;

  // /proc/<pid>/stat's cutime and cstime in ns, or nullopt (gone).
  struct child_times {
    uint64_t user = 0, sys = 0;
  };
  static std::optional<child_times> read_reaped(pid_t pid);

 private:
  struct proc {
    pid_t ppid = 0;
    // Charged for it and its reaped descendants (by cpuacct for tasks, by this for the
    // others): what its reaper's cutime must not count again.
    uint64_t accounted = 0;
    uint64_t seen = 0;       // cutime + cstime at the last reading, ns
    uint64_t seen_user = 0;  // cutime then
    uint64_t debt = 0;       // tasks' time subtracted before the cutime showed it
    // Its children that were tasks and have exited, with what was charged for them:
    // subtracted once they are reaped (their time then shows in this one's cutime).
    std::vector<std::pair<pid_t, uint64_t>> dead;
  };

  // Takes `now` (the cutime and cstime just read, before the reaped checks) into `p`'s
  // books: the time it reaped that nobody was charged for, its user part as the cutime
  // grew.
  uk::reaped_cputime settle(proc& p, std::optional<child_times> now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const pid_t init_;
  absl::Mutex mu_;  // a leaf: cpuacct calls in with container_mutex held
  absl::flat_hash_map<pid_t, proc> procs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ukrun
