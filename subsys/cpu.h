// The cpu subsystem (2.6.24 CONFIG_FAIR_CGROUP_SCHED, kernel/sched.c cpu_cgroup_*):
// a CPU share per container, for the share scheduler (sched/) to enforce.
//
// Deviation from 2.6.24, by design: containers nest to any depth. 2.6.24 refused
// mkdir at depth >= 2 with EINVAL ("only 1-level deep hierarchical scheduler"); our
// scheduler is hierarchical, so every depth is allowed.
//
// File `shares` (read_uint / write_uint): default 1024 (NICE_0_LOAD); writing 0 or 1
// stores 2 (sched_group_set_shares' minimum); no upper bound, as in 2.6.24.
// can_attach: a SCHED_FIFO or SCHED_RR task (not in the fair class) is EINVAL.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

// NICE_0_LOAD: the root's and every new group's weight.
inline constexpr uint64_t CPU_SHARES_DEFAULT = 1024;
// sched_group_set_shares(): smaller values are raised to this.
inline constexpr uint64_t CPU_SHARES_MIN = 2;

class cpu_subsys final : public container_subsys {
 public:
  explicit cpu_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno can_attach(container* cont, task_struct* tsk) override;
  Errno populate(container* cont) override;

  // The share of `cont`, a live container of the hierarchy cpu is bound to (or
  // dummytop while unbound); 0 if it has no cpu state (removed, or another hierarchy).
  uint64_t shares_of(const container* cont) const;

  // For the share scheduler (sched/, wired by harness/): called after every change it
  // must follow at once: a shares write, an attach, a fork, an exit, a bind, a
  // container's creation or removal. It may run with
  // container_mutex or a task lock held, so it must only wake someone (take nothing
  // but a leaf lock). notifier_lock_ is a leaf of its own.
  void set_change_notifier(std::function<void()> fn);
  void attach(container* cont, container* old_cont, task_struct* tsk) override;
  void fork(task_struct* task) override;
  void exit(task_struct* task) override;
  void bind(container* root) override;

 private:
  // struct task_group, as far as the share goes.
  struct task_group : container_subsys_state {
    std::atomic<uint64_t> shares{CPU_SHARES_DEFAULT};
  };
  task_group* tg_of(const container* cont) const;

  void notify_change();

  container_core& core_;
  // Bound to a mounted hierarchy: forks and exits matter to the share scheduler only
  // then (fork/exit callbacks run for every subsystem, bound or not).
  std::atomic<bool> bound_{false};
  std::vector<cftype> files_;
  absl::Mutex notifier_lock_;
  std::function<void()> notifier_ ABSL_GUARDED_BY(notifier_lock_);
};

}  // namespace uk
