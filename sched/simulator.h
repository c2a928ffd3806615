// A deterministic simulator of the share scheduler (fair_tree) over simulated tasks on
// a set of CPUs. Time advances in fixed quanta; in each one the policy places up to one
// runnable task per CPU (within the task's cpus_allowed) and each placed task runs for
// the quantum or until its burst ends. It is the oracle for the shares the enforcer
// should reach on real processes, and lets a reviewer try a policy without real load.
//
// Tasks are CPU-bound by default, or alternate bursts of `run_ns` of CPU with
// `sleep_ns` of sleep. The same inputs always give the same outputs (ties go to the
// lower index; no clock, no randomness).
//
// Charging: every slice of CPU time is reported to the charge hook (the tests and the
// in-process demo wire it to cpuacct_subsys::charge(), as update_curr() calls
// cpuacct_charge()), and counted per task and per group.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sched/fair_tree.h"
#include "sched/snapshot.h"
#include "uk/cpumask.h"

namespace uk::sched {

struct task_pattern {
  // CPU time per burst; the default never sleeps (CPU-bound).
  uint64_t run_ns = std::numeric_limits<uint64_t>::max();
  uint64_t sleep_ns = 0;  // sleep after each burst
  uint64_t start_ns = 0;  // first runnable at this simulated time
};

class simulator {
 public:
  using charge_fn = std::function<void(const share_task& t, uint64_t ns)>;

  simulator(cpumask_t cpus, uint64_t quantum_ns = 1000000);

  // Membership or shares changed: the next quantum uses `snap` (vruntimes and patterns
  // carry over by path and pid). Call before the first run().
  void update(const share_snapshot& snap);
  void set_pattern(pid_t pid, task_pattern p);
  void set_charge_hook(charge_fn fn) { charge_ = std::move(fn); }

  // Simulates `duration_ns` more (rounded up to whole quanta).
  void run(uint64_t duration_ns);

  uint64_t now() const { return now_; }
  uint64_t idle_ns() const { return idle_; }  // CPU time no task used, over every CPU
  // CPU time a task received (0 for an unknown pid).
  uint64_t task_time(pid_t pid) const;
  // CPU time of the tasks of the group at `path`; with_children adds its descendants'.
  uint64_t group_time(const std::string& path, bool with_children) const;

 private:
  struct task_state {
    task_pattern pattern;
    uint64_t burst_left = 0;  // CPU time left in the current burst
    uint64_t wake_at = 0;     // not runnable before this
    bool started = false;
  };
  task_state& state_of(pid_t pid);

  const cpumask_t cpus_;
  const uint64_t quantum_;
  fair_tree tree_;
  charge_fn charge_;
  uint64_t now_ = 0;
  uint64_t idle_ = 0;
  absl::flat_hash_map<pid_t, task_state> tasks_;
  absl::flat_hash_map<pid_t, uint64_t> task_time_;
  absl::flat_hash_map<std::string, uint64_t> group_own_time_;  // by path
};

}  // namespace uk::sched
