// The cpuset subsystem (2.6.24 kernel/cpuset.c, spec §4.1): confines tasks to sets of
// CPUs and memory nodes, nested so that a child's sets lie within its parent's.
//
// Files (V10 literal names; the cgroup flavour prefixes "cpuset."):
//   cpus, mems                 list form "0-3,6\n" ("\n" when empty); validated writes,
//                              parsed as the mount's flavour parses lists
//                              (container_flavour::cpuset_lists: 2.6.24's
//                              bitmap_parselist with NR_CPUS / 64 bits, CPUs or nodes
//                              outside the top cpuset dropped; today's with
//                              nr_cpu_ids / MAX_NUMNODES bits, ERANGE beyond them,
//                              EINVAL outside the top cpuset)
//   cpu_exclusive, mem_exclusive, memory_migrate, sched_load_balance,
//   memory_spread_page, memory_spread_slab
//                              "0\n"/"1\n"; a write sets the flag iff
//                              simple_strtoul(buf, 10) != 0 (garbage is 0, as 2.6.24)
//   memory_pressure            "%d\n" (always 0: nothing reclaims in user mode); any
//                              write EACCES
//   memory_pressure_enabled    top cpuset only; the global metering switch
//
// Every write: longer than the flavour's limit is E2BIG (2.6.24: 100 + 6 *
// max(NR_CPUS, MAX_NUMNODES) for every file; today: mems 100 + 6 * MAX_NUMNODES, the
// others 100 + 6 * NR_CPUS); then under container_mutex, ENODEV once the container is removed. The
// top cpuset's cpus and mems track the online maps and are read-only (EACCES). validate_change()
// keeps the nesting rules, errno in the patch's order: a child no longer a subset EBUSY; not a
// subset of the parent (exclusive flags included) EACCES; an exclusive overlap with a sibling
// EINVAL; empty cpus or mems while tasks are in it ENOSPC.
//
// Tasks: attach sets the task's cpus_allowed to the cpuset's online CPUs (the nearest
// ancestor's if it has none) and its mems_allowed likewise; a real task's host
// affinity follows (sched_setaffinity). A cpus write re-applies this to every member.
// CPU/memory hotplug (2.6.24 rule): every non-empty cpuset shrinks to its online
// part, or takes its nearest ancestor's online part if none is left; the top cpuset
// becomes the online maps; tasks are not moved.
//
// Lock order (outer first):
//   container_core::container_mutex   every change, every file access
//     cpuset_subsys::callback_mutex_  the final store of a cpuset's fields; enough
//                                     for readers outside the container code
//                                     (cpuset_cpus_allowed)
//       container_core::css_group_lock   (container_iter over the members)
//         task_struct::alloc_lock        a task's cpus_allowed / mems_allowed
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/container_flavour.h"
#include "uk/cpumask.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

class cpuset_subsys final : public container_subsys {
 public:
  explicit cpuset_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno can_attach(container* cont, task_struct* tsk) override;
  void attach(container* cont, container* old_cont, task_struct* tsk) override;
  Errno populate(container* cont) override;
  void post_clone(container* cont) override;

  // cpuset_cpus_allowed() / cpuset_mems_allowed(): the online CPUs / memory nodes
  // of the task's cpuset (the nearest ancestor's if it has none online). For the
  // scheduler and sched_setaffinity's masking. The caller holds no container lock.
  cpumask_t cpuset_cpus_allowed(task_struct* tsk);
  nodemask_t cpuset_mems_allowed(task_struct* tsk);

  // Flag bits (cpuset_flagbits_t).
  enum {
    CS_CPU_EXCLUSIVE,
    CS_MEM_EXCLUSIVE,
    CS_MEMORY_MIGRATE,
    CS_SCHED_LOAD_BALANCE,
    CS_SPREAD_PAGE,
    CS_SPREAD_SLAB,
  };

 private:
  // What validate_change() compares: a cpuset's settings (the patch copies the
  // whole struct cpuset into `trialcs`).
  struct cpuset_fields {
    unsigned long flags = 0;
    cpumask_t cpus_allowed;
    nodemask_t mems_allowed;
    bool test(int bit) const { return flags & (1UL << bit); }
  };
  // struct cpuset. Fields written with container_mutex and callback_mutex_ held.
  struct cpuset : container_subsys_state {
    cpuset_fields f;
    int mems_generation = 0;
  };

  cpuset* cs_of(const container* cont) const {
    return static_cast<cpuset*>(cont->subsys[subsys_id]);
  }
  cpuset* parent_of(const cpuset* cs) const {
    return cs->container->parent == nullptr ? nullptr : cs_of(cs->container->parent);
  }
  static bool is_cpuset_subset(const cpuset_fields& p, const cpuset_fields& q);

  // The control file handlers (cpuset_common_file_read / _write).
  ErrorOr<size_t> file_read(container* cont, const cftype* cft, char* buf, size_t nbytes,
                            loff_t* ppos);
  ErrorOr<size_t> file_write(container* cont, const cftype* cft, const char* buf, size_t nbytes);

  Errno validate_change(const cpuset* cur, const cpuset_fields& trial)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  Errno update_cpumask(cpuset* cs, std::string buf, const cpuset_list_ops& lists)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  Errno update_nodemask(cpuset* cs, std::string buf, const cpuset_list_ops& lists)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  Errno update_flag(int bit, cpuset* cs, bool turning_on)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // Gives every member task of `cs` the placement attach would give it.
  void update_tasks(cpuset* cs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

  // guarantee_online_cpus() / guarantee_online_mems(): the online part of the
  // nearest cpuset, starting at cs, that has one; the online maps if none has.
  cpumask_t guarantee_online_cpus(const cpuset* cs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(callback_mutex_);
  nodemask_t guarantee_online_mems(const cpuset* cs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(callback_mutex_);

  // The hotplug notifier (common_cpu_mem_hotplug_unplug).
  void hotplug();

  container_core& core_;
  absl::Mutex callback_mutex_;
  cpuset* top_cs_ = nullptr;             // the root state, made at boot; never freed before us
  std::atomic<int> mems_generation_{0};  // cpuset_mems_generation
  std::atomic<bool> memory_pressure_enabled_{false};  // cpuset_memory_pressure_enabled
  std::vector<cftype> files_;                         // in every cpuset
  std::vector<cftype> root_files_;                    // memory_pressure_enabled
};

}  // namespace uk
