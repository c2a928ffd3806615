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
//
// The cgroup flavour has today's cpu_legacy_files[] (cpu_v1.cc): shares within
// [2, 262144] and not on the root, idle, cfs_quota_us / cfs_period_us / cfs_burst_us,
// stat, stat.local, rt_runtime_us and rt_period_us, each validated as today's
// kernel/sched does (hierarchy checks included), and can_attach refusing an RT task
// only where the group has no RT runtime (sched_rt_can_attach). uk enforces shares (and
// an idle group's weight of 3) but no bandwidth: a write that would set a CPU quota or
// change an RT runtime passes every check of the kernel's, then fails with EOPNOTSUPP
// (set_bandwidth_notice() is told), so nothing is accepted and ignored (the RT period of
// a group without RT runtime, which holds no RT task, is kept); cpu.stat then
// truthfully counts no throttling. The RT limits' global ratio is the kernel's
// default (sched_rt_runtime_us 950000 of sched_rt_period_us 1000000).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
  // Runs when a write is refused because uk enforces no bandwidth (a leaf lock at
  // most: it runs with none of the subsystem's held). Set before any write.
  void set_bandwidth_notice(std::function<void()> notice);

  // RUNTIME_INF, in µs: no quota (cfs) or no limit (rt).
  static constexpr uint64_t RUNTIME_INF = ~0ULL;

 private:
  // struct task_group: the share, and today's idle flag and bandwidths (in µs, as the
  // files show them), guarded by container_mutex.
  struct task_group : container_subsys_state {
    std::atomic<uint64_t> shares{CPU_SHARES_DEFAULT};
    bool idle = false;
    uint64_t cfs_period_us = 100000;  // default_bw_period_us()
    uint64_t cfs_quota_us = RUNTIME_INF;
    uint64_t cfs_burst_us = 0;
    uint64_t rt_period_us = 1000000;  // global_rt_period() at creation
    uint64_t rt_runtime_us = 0;       // the root: global_rt_runtime()
  };
  task_group* tg_of(const container* cont) const;

  // A flavour's files and attach rule (container_flavour::subsys_cftypes).
  struct cpu_cftypes {
    std::vector<cftype> files;
    // CONFIG_RT_GROUP_SCHED: an RT task may join a group with RT runtime only; else
    // (2.6.24) never a group at all.
    bool rt_group_sched = false;
  };
  static cpu_cftypes cpu_v10_files(cpu_subsys* cpu);
  static cpu_cftypes cpu_legacy_files(cpu_subsys* cpu);

  // cpu_v1.cc: today's setters, each validating before it changes anything. The file
  // handlers' entries take container_mutex and find the group (ENODEV once it is gone);
  // a bandwidth write names one value, and the others stay as they are.
  Errno sched_group_set_shares(container* cont, uint64_t shareval);
  Errno sched_group_set_idle(container* cont, int64_t idle);
  Errno set_cfs_bandwidth(container* cont, std::optional<uint64_t> period_us,
                          std::optional<uint64_t> quota_us, std::optional<uint64_t> burst_us);
  Errno set_rt_bandwidth(container* cont, std::optional<uint64_t> period_us,
                         std::optional<uint64_t> runtime_us);
  Errno tg_set_bandwidth(container* cont, uint64_t period_us, uint64_t quota_us, uint64_t burst_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  Errno tg_set_rt_bandwidth(container* cont, uint64_t period_us, uint64_t runtime_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // __cfs_schedulable() and __rt_schedulable() of the whole hierarchy, with `cont`'s
  // candidate values.
  Errno cfs_schedulable(container* cont, uint64_t period_us, uint64_t quota_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  Errno rt_schedulable(container* cont, uint64_t period_us, uint64_t runtime_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // EOPNOTSUPP, after the notice: a limit uk would not enforce.
  Errno refuse_unenforced();

  void notify_change();

  container_core& core_;
  // Bound to a mounted hierarchy: forks and exits matter to the share scheduler only
  // then (fork/exit callbacks run for every subsystem, bound or not).
  std::atomic<bool> bound_{false};
  cpu_cftypes cftypes_[CFTYPE_SET_COUNT];
  absl::Mutex notice_lock_;  // a leaf
  std::function<void()> bandwidth_notice_ ABSL_GUARDED_BY(notice_lock_);
  absl::Mutex notifier_lock_;
  std::function<void()> notifier_ ABSL_GUARDED_BY(notifier_lock_);
};

}  // namespace uk
