// The pids subsystem (Linux 4.3's kernel/cgroup_pids.c, v1 semantics): a limit on the
// number of tasks (processes and threads) in a container and everything below it.
//
// Files, on every container but a hierarchy's root (as in Linux):
//   max      (cgroup flavour: pids.max)      "max" (no limit, the default) or
//                                            0..PID_MAX_LIMIT
//   current  (cgroup flavour: pids.current)  tasks in the container and its descendants
//   cgroup flavour only (today's pids_files_legacy[]):
//   pids.peak    the most pids.current has been, as the kernel tallies it: at each fork
//                and attach (with its instants of double counting)
//   pids.events  "max N": N forks refused in this container (pollable: a refusal
//                notifies it)
//
// As in Linux, an attach is never refused (a container may go over its limit that
// way); only a fork is, with EAGAIN, by one check for both kinds of task:
//   - a simulated fork: the core's container_can_fork (Linux 4.3's cgroup_can_fork)
//     calls the can_fork(child) hook, which reserves a slot until post_fork;
//   - a real fork: uk-run's fork trap (harness/README.md, "pids") calls
//     can_fork(parent, pending) before letting the host fork happen.
// A fork in flight (admitted, child not yet in its group's task list) counts in the
// container it forks into, so concurrent forks cannot overshoot; for an instant after
// the child joined and before post_fork it counts twice (conservative, never over).
//
// Fork admission: uk-run traps real forks only with --pids (a trap can fail with
// EINTR). Without it a limit could never refuse a real fork, so the harness says so
// (set_fork_admission(false, ...)) and a write of a limit (anything but "max") fails
// with EOPNOTSUPP instead of being accepted and ignored.
//
// Lock order (outer first):
//   container_core::container_mutex
//     pids_subsys::forking_lock_
//       task_struct::alloc_lock          (task_container() of a reserved child)
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

// pids.max's "max".
inline constexpr int64_t PIDS_MAX = INT64_MAX;
// The largest limit (include/linux/threads.h, 64-bit): a larger one is EINVAL.
inline constexpr int64_t PID_MAX_LIMIT = 4 * 1024 * 1024;

class pids_subsys final : public container_subsys {
 public:
  explicit pids_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno populate(container* cont) override;

  // pids_can_fork(): EAGAIN if one more task in `parent`'s container would exceed a
  // limit there or above; `pending` are tasks whose forks are in flight (counted as if
  // their child existed already, each in its forker's container), as are the
  // simulated forks admitted by the hook below. kOk when pids is not bound to a
  // hierarchy. uk-run's fork trap calls this.
  Errno can_fork(task_struct* parent, const std::vector<task_struct*>& pending);
  // The hooks of a simulated fork: the check above for the child (which carries its
  // parent's containers), then a reserved slot until the child counts itself.
  Errno can_fork(task_struct* child) override;
  void cancel_fork(task_struct* child) override;
  void post_fork(task_struct* child) override;
  void attach(container* cont, container* old_cont, task_struct* tsk) override;
  // A zombie still counts where it exited, until release (pids_release()): the kernel
  // uncharges a task when it is reaped, not when it exits.
  void exit(task_struct* task) override;
  void release(task_struct* task) override;
  void bind(container* root) override;
  // Whether forks can be refused (default: yes, the kernel's own do_fork asks). When
  // not, writing a limit fails with EOPNOTSUPP and `on_refused` runs (it must take no
  // lock but a leaf: it runs with none of the subsystem's held). Set before any write.
  void set_fork_admission(bool available, std::function<void()> on_refused = nullptr);
  // pids.current of `cont`: tasks in it and below, zombies not reaped yet included.
  int64_t current_of(const container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // The tasks in `cont`'s lists and its descendants'.
  int64_t tasks_below(const container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

 private:
  enum pidcg_event { PIDCG_MAX, PIDCG_FORKFAIL, NR_PIDCG_EVENTS };
  struct pids_cgroup : container_subsys_state {
    std::atomic<int64_t> limit{PIDS_MAX};
    int64_t watermark = 0;  // guarded by container_mutex
    // Refused forks (PIDCG_MAX counts on the unified hierarchy only), guarded by
    // container_mutex, and the events file's handle.
    std::array<int64_t, NR_PIDCG_EVENTS> events_local{};
    cgroup_file events_file;
  };
  pids_cgroup* state_of(const container* cont) const {
    return static_cast<pids_cgroup*>(cont->subsys[subsys_id]);
  }

  // The check of both can_forks: `mine` gets one more task; `pending` are the
  // containers of forks in flight besides forking_'s.
  Errno check_fork_locked(container* mine, const std::vector<container*>& pending)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // Drops `child`'s reservation, if it has one (then true).
  bool unreserve(task_struct* child);
  void pids_event(container* forking) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  void update_watermarks(const container* cont, const container* extra_below, int64_t extra)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

  container_core& core_;
  std::vector<cftype> files_[CFTYPE_SET_COUNT];  // by the flavour's subsys_cftypes
  // Zombies (exited, not reaped) and the container each exited in: still charged
  // there and above. A removed container's pass to its parent, as the kernel's offline
  // css still charges its ancestors; a rebind drops them (all in the root then).
  absl::flat_hash_map<const task_struct*, container*> zombies_
      ABSL_GUARDED_BY(core_.container_mutex);
  // Simulated children admitted by can_fork(child) and not yet through post_fork
  // (or cancel_fork). Read under container_mutex too, so a check sees a consistent
  // set; changed only under both, except removal, which needs forking_lock_ alone
  // (post_fork holds no container lock).
  absl::Mutex forking_lock_ ABSL_ACQUIRED_AFTER(core_.container_mutex);
  std::vector<task_struct*> forking_ ABSL_GUARDED_BY(forking_lock_);
  std::atomic<size_t> nr_forking_{0};  // forking_.size(), for post_fork's fast path
  // Bound to a hierarchy (set by bind() under container_mutex): a simulated fork while
  // pids is unbound takes no lock at all.
  std::atomic<bool> bound_{false};
  // set_fork_admission()'s. A leaf lock: read by every limit write.
  absl::Mutex admission_lock_;
  bool fork_admission_ ABSL_GUARDED_BY(admission_lock_) = true;
  std::function<void()> on_refused_ ABSL_GUARDED_BY(admission_lock_);
};

}  // namespace uk
