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
// The cgroup flavour's directories get today's cpuset1_files[] instead
// (subsys/cpuset_v1.cc): the same files, with memory_pressure read-only, and
// effective_cpus, effective_mems, mem_hardwall and sched_relax_domain_level.
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
// affinity follows (affinity_hooks). A cpus write re-applies this to every member.
// The cgroup flavour keeps within the task's own request where that leaves a CPU
// (today's user_cpus_ptr); the container flavour replaces the mask (2.6.24).
// sched_setaffinity (spec row 106): the request intersected with the task's cpuset,
// EINVAL when nothing is left. Real tasks call the host's: where uk-run mirrors the
// cpusets into host cpusets (host_cpusets) the host answers exactly; elsewhere uk
// learns their masks by observation (observe_affinity) and bounds them then. mems_allowed is
// bookkeeping only for real tasks: a process's memory policy cannot be set from another process.
// CPU/memory hotplug (2.6.24 rule): every non-empty cpuset shrinks to its online
// part, or takes its nearest ancestor's online part if none is left; the top cpuset
// becomes the online maps; tasks are not moved. Bound to a cgroup-flavour hierarchy,
// today's v1 rule instead: every cpuset keeps its part within its parent's, even an
// empty one, and an emptied cpuset's tasks move to the nearest ancestor with CPUs and
// memory (subsys/cpuset_v1.cc).
//
// Lock order (outer first):
//   container_core::container_mutex   every change, every file access
//     cpuset_subsys::callback_mutex_  the final store of a cpuset's fields; enough
//                                     for readers outside the container code
//                                     (cpuset_cpus_allowed)
//       container_core::css_group_lock   (container_iter over the members)
//         task_struct::alloc_lock        a task's cpus_allowed / mems_allowed
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/container_flavour.h"
#include "uk/cpumask.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

// How a real task's CPU affinity is read and set on the host (sched_getaffinity and
// sched_setaffinity of another thread): subsys/ makes no host call. uk-run installs
// harness/affinity_host; tests install a fake. Called with container_mutex held: must
// not call into the kernel.
class affinity_hooks {
 public:
  virtual ~affinity_hooks() = default;
  // The thread's mask on the host; nullopt if the thread is gone.
  virtual std::optional<cpumask_t> get_affinity(pid_t tid) = 0;
  // Sets it; a thread gone meanwhile is ignored (attach cannot fail).
  virtual void set_affinity(pid_t tid, const cpumask_t& mask) = 0;
};

// The host's own cpusets, where uk-run has a cpuset subtree of the run's (root, with the
// host's v1 cpuset hierarchy; harness/host_cpuset.h): every uk cpuset has a host cpuset
// of its own with the same CPUs (the top's is the subtree itself), and a real thread
// attached in uk is moved into it, so the host's kernel answers a program's own
// sched_setaffinity as it answers natively (spec row 106), with no trap. Named by ids
// (0 the top): a flat set of host cpusets needs no order between a parent's and a
// child's writes and nothing at a rename. Called with container_mutex held: must not
// call into the kernel. Errors are errnos.
class host_cpusets {
 public:
  virtual ~host_cpusets() = default;
  // Makes cpuset `id` (> 0) with no CPUs and the host's memory nodes.
  virtual int make(uint64_t id) = 0;
  virtual int set_cpus(uint64_t id, const cpumask_t& cpus) = 0;
  // Removes the empty cpuset `id`; one still busy is retried later by the host side.
  virtual void remove(uint64_t id) = 0;
  // Moves thread `tid` of process `tgid` into cpuset `id`: 0, ESRCH (gone) or an errno
  // (the thread is then bounded by observation, as without host cpusets).
  virtual int move(pid_t tgid, pid_t tid, uint64_t id) = 0;
  // The cpuset the thread is in now; nullopt if it is gone or outside the run's cpusets
  // (still where uk-run was started).
  virtual std::optional<uint64_t> where(pid_t tgid, pid_t tid) = 0;
};

class cpuset_subsys final : public container_subsys {
 public:
  explicit cpuset_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno can_attach(container* cont, task_struct* tsk) override;
  void attach(container* cont, container* old_cont, task_struct* tsk) override;
  Errno populate(container* cont) override;
  void post_clone(container* cont) override;
  void fork(task_struct* task) override;

  // cpuset_cpus_allowed() / cpuset_mems_allowed(): the online CPUs / memory nodes
  // of the task's cpuset (the nearest ancestor's if it has none online). For the
  // scheduler and sched_setaffinity's masking. The caller holds no container lock.
  cpumask_t cpuset_cpus_allowed(task_struct* tsk);
  nodemask_t cpuset_mems_allowed(task_struct* tsk);

  // Installs (or, with nullptr, removes) the host side of real tasks' affinity. The
  // hooks must outlive their installation.
  void set_affinity_hooks(affinity_hooks* hooks);
  // Installs the host's cpusets, before any cpuset but the top exists (uk-run: at
  // boot), or removes them (nullptr).
  void set_host_cpusets(host_cpusets* host);
  // sched_setaffinity()'s cpuset part (2.6.24 kernel/sched.c; today's
  // __sched_setaffinity): the task's CPUs become `new_mask` within its cpuset;
  // EINVAL, changing nothing, when no CPU is left. `new_mask` is kept as the task's
  // request (user_cpus_ptr). A real task's host mask follows.
  Errno sched_setaffinity(task_struct* tsk, const cpumask_t& new_mask);
  // An observation of the real tasks (uk-run's tracker, which keeps them from being
  // released meanwhile): each one's host mask is read, and one that differs from its
  // cpus_allowed was set by the program (sched_setaffinity, taskset) and is taken as
  // sched_setaffinity takes it: bounded by the cpuset, or, when no CPU of the cpuset
  // is left, the previous mask put back. Reads nothing while cpuset is not mounted,
  // unless set_track_masks(true): the CPU-share enforcer places tasks by their masks.
  // An attach and a cpus write observe the tasks they change first, whatever the
  // caller's pace of observations.
  void observe_affinity();
  // A replayed `observe` entry: the threads `tids` observed again, their masks from the
  // recording seam.
  void observe_tasks(const std::vector<pid_t>& tids);
  void set_track_masks(bool on) { track_masks_ = on; }

  // Flag bits (cpuset_flagbits_t).
  enum {
    CS_CPU_EXCLUSIVE,
    CS_MEM_EXCLUSIVE,
    CS_MEMORY_MIGRATE,
    CS_SCHED_LOAD_BALANCE,
    CS_SPREAD_PAGE,
    CS_SPREAD_SLAB,
    CS_MEM_HARDWALL,  // today's kernel (cpuset.mem_hardwall, cgroup flavour only)
  };

 private:
  // The files' `private` kinds (cpuset_filetype_t); the last four are today's
  // (cgroup flavour only).
  enum {
    FILE_CPULIST,
    FILE_MEMLIST,
    FILE_CPU_EXCLUSIVE,
    FILE_MEM_EXCLUSIVE,
    FILE_MEMORY_MIGRATE,
    FILE_SCHED_LOAD_BALANCE,
    FILE_MEMORY_PRESSURE_ENABLED,
    FILE_MEMORY_PRESSURE,
    FILE_SPREAD_PAGE,
    FILE_SPREAD_SLAB,
    FILE_EFFECTIVE_CPULIST,
    FILE_EFFECTIVE_MEMLIST,
    FILE_MEM_HARDWALL,
    FILE_SCHED_RELAX_DOMAIN_LEVEL,
  };

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
    int relax_domain_level = -1;  // cpuset1_init(): -1 in every new cpuset
    // Its host cpuset (host_cpusets), under container_mutex alone: read only there.
    uint64_t host_id = 0;
    bool on_host = false;  // that host cpuset exists
  };
  // What a hierarchy's cftype_set decides for cpuset: the files of every cpuset and of
  // the top one, and what CPU/memory hotplug does to a cpuset below the top.
  struct cpuset_cftypes {
    std::vector<cftype> files;
    std::vector<cftype> root_files;
    void (cpuset_subsys::*hotplug_update_tasks)(cpuset* cs);
  };

  cpuset* cs_of(const container* cont) const {
    return static_cast<cpuset*>(cont->subsys[subsys_id]);
  }
  cpuset* parent_of(const cpuset* cs) const {
    return cs->container.load()->parent == nullptr ? nullptr : cs_of(cs->container.load()->parent);
  }
  static bool is_cpuset_subset(const cpuset_fields& p, const cpuset_fields& q);

  // A control file of kind `kind` (cpuset_filetype_t) served by file_read/file_write.
  cftype make_file(const char* name, int kind);
  // The cgroup flavour's table (cpuset1_files[], subsys/cpuset_v1.cc).
  cpuset_cftypes cpuset1_files();
  // The cpuset of a container whose file is written, or null once it is removed (or
  // cpuset was unbound from its hierarchy while the file was open).
  cpuset* live_cs(container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

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
  // The host cpusets where `cs` has one of its own (host_id), else null.
  host_cpusets* mirror_of(const cpuset* cs) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex) {
    return cs->on_host ? host_cpusets_ : nullptr;
  }
  // set_cpus_allowed() of `tsk` to its cpuset's `cpus`, as the flavour of `cs`'s
  // hierarchy does it (keeps_user_cpus); returns the mask set.
  cpumask_t set_cpus_allowed(const cpuset* cs, task_struct* tsk, const cpumask_t& cpus,
                             const nodemask_t& mems)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // Bounded by `cs`'s CPUs (null: the task's cpuset's). `on_host`: the host already
  // has `new_mask` (an observation found it there).
  Errno sched_setaffinity_locked(task_struct* tsk, const cpumask_t& new_mask, const cpuset* cs,
                                 bool on_host) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // One real task's host mask against uk's, as observe_affinity() takes it; bounded by
  // `cs` (null: the task's cpuset). Before a change that keeps within the request.
  void observe_task(task_struct* t, const cpuset* cs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // The same with the host's mask from `read` (through the recording seam).
  void observe_task(task_struct* t, const cpuset* cs,
                    absl::FunctionRef<std::optional<cpumask_t>()> read)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // A real task's host mask follows uk's.
  void apply_host(const task_struct* tsk, const cpumask_t& mask)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // After `cs`'s host cpuset changed or took `tsk` in: under the cgroup flavour the host
  // has placed it as today's kernel does (within its own request, user_cpus_ptr, which
  // uk only sees the intersection of), so a host mask within the cpuset's CPUs is taken
  // as the task's; otherwise (2.6.24, or a thread not in the host cpuset) uk's `set` is
  // applied.
  void follow_host(const cpuset* cs, task_struct* tsk, const cpumask_t& set)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

  // guarantee_online_cpus() / guarantee_online_mems(): the online part of the
  // nearest cpuset, starting at cs, that has one; the online maps if none has.
  cpumask_t guarantee_online_cpus(const cpuset* cs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(callback_mutex_);
  nodemask_t guarantee_online_mems(const cpuset* cs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(callback_mutex_);

  // The hotplug notifier (common_cpu_mem_hotplug_unplug): the top cpuset, then every
  // other, parents first, by the rule of the hierarchy cpuset is bound to.
  void hotplug();
  // 2.6.24's rule for one cpuset (guarantee_online_cpus_mems_in_subtree).
  void hotplug_update_tasks(cpuset* cs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

  // --- Today's v1 only (subsys/cpuset_v1.cc) ---
  // cpuset.sched_relax_domain_level: cgroup_file_write's write_s64 parse, then
  // cpuset_write_s64() / update_relax_domain_level().
  ErrorOr<size_t> cpuset1_write_s64(container* cont, const char* buf, size_t nbytes);
  ErrorOr<size_t> cpuset1_read_s64(container* cont, char* buf, size_t nbytes, loff_t* ppos);
  // cpuset1_hotplug_update_tasks(): today's v1 rule for one cpuset.
  void cpuset1_hotplug_update_tasks(cpuset* cs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

  container_core& core_;
  absl::Mutex callback_mutex_;
  cpuset* top_cs_ = nullptr;             // the root state, made at boot; never freed before us
  std::atomic<int> mems_generation_{0};  // cpuset_mems_generation
  std::atomic<bool> memory_pressure_enabled_{false};  // cpuset_memory_pressure_enabled
  affinity_hooks* hooks_ ABSL_GUARDED_BY(core_.container_mutex) = nullptr;
  host_cpusets* host_cpusets_ ABSL_GUARDED_BY(core_.container_mutex) = nullptr;
  uint64_t next_host_id_ ABSL_GUARDED_BY(core_.container_mutex) = 1;  // 0: the top
  // Set once by uk-run before the tree runs, read at every observation: atomic.
  std::atomic<bool> track_masks_{false};
  std::array<cpuset_cftypes, CFTYPE_SET_COUNT> cftypes_;  // by the hierarchy's cftype_set
};

}  // namespace uk
