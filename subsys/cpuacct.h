// The cpuacct subsystem (2.6.24 CONFIG_CGROUP_CPUACCT, kernel/sched.c cpuacct_*): the
// CPU time, in nanoseconds, that member tasks used while they were members.
//
// File `usage` (read_uint): the container's own total, not including its children;
// a write is EINVAL (2.6.24 has no write handler; 2.6.26's "0 resets" is not ported).
//
// Charging:
// - simulated tasks are charged by whoever simulates them (the scheduler) through
//   charge(), as update_curr() calls cpuacct_charge();
// - real tasks (task_struct::real) are charged from the host: charge_real() reads
//   the thread's on-CPU time (/proc/<tgid>/task/<tid>/schedstat, else the utime +
//   stime of .../stat) and charges the time since the last reading. Readings are
//   taken at fork (the baseline: time spent before uk knew the thread is not
//   charged), at attach (the delta goes to the container being left), at exit, and
//   for every real member when a container's `usage` is read.
//
// Lock order: last_lock_ is a leaf; it may be taken under container_mutex,
// css_group_lock or a task's alloc_lock.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

class cpuacct_subsys final : public container_subsys {
 public:
  explicit cpuacct_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  void attach(container* cont, container* old_cont, task_struct* tsk) override;
  void fork(task_struct* task) override;
  void exit(task_struct* task) override;
  Errno populate(container* cont) override;

  // cpuacct_charge(): adds `ns` to the task's container in cpuacct's hierarchy only
  // (not to its ancestors). The caller holds no container lock.
  void charge(task_struct* tsk, uint64_t ns);
  // Charges a real task's host CPU time since the last reading to its container.
  // No-op for simulated tasks and for threads the host no longer has.
  void charge_real(task_struct* tsk);

  // The host CPU time of thread `tid` of process `tgid` in ns, or nullopt if it
  // cannot be read (the thread is gone).
  std::optional<uint64_t> host_cputime(pid_t tgid, pid_t tid) const;

 private:
  struct cpuacct : container_subsys_state {
    std::atomic<uint64_t> usage{0};  // ns
  };
  cpuacct* ca_of(const container* cont) const;
  // The time since the last reading of `tid`, recording `now`; 0 without a baseline.
  uint64_t take_delta(pid_t tid, uint64_t now);
  uint64_t usage_read(container* cont);

  container_core& core_;
  const bool use_schedstat_;  // fixed at boot so one thread's readings never mix sources
  absl::Mutex last_lock_;
  absl::flat_hash_map<pid_t, uint64_t> last_ ABSL_GUARDED_BY(last_lock_);
  std::vector<cftype> files_;
};

}  // namespace uk
