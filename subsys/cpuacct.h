// The cpuacct subsystem (2.6.24 CONFIG_CGROUP_CPUACCT, kernel/sched.c cpuacct_*): the
// CPU time, in nanoseconds, that member tasks used while they were members.
//
// File `usage` (read_uint): the container's own total, not including its children;
// a write is EINVAL (2.6.24 has no write handler; 2.6.26's "0 resets" is not ported).
// The cgroup flavour's `cpuacct.usage` is today's: hierarchical (cpuacct_charge adds to
// the group and every ancestor, Linux 2.6.29+), and a write of 0 resets the group's
// own count (not the root's: cpuacct_cpuusage_write), any other value EINVAL. Today's
// per-CPU and user/system files (usage_percpu*, usage_user, usage_sys, usage_all, stat)
// are not provided: uk sees a thread's time on CPU, not on which CPU nor in which mode.
//
// Charging:
// - simulated tasks are charged by whoever simulates them (the scheduler) through
//   charge(), as update_curr() calls cpuacct_charge();
// - real tasks (task_struct::real) are charged from the host: charge_real() reads
//   the thread's on-CPU time through the cputime_hooks uk-run installs (subsys/ makes
//   no host call; harness/cputime_host.h) and charges the time since the last reading.
//   For the leader of a process uk never saw a second thread of, the reading is the
//   whole process's: it also counts threads that came and went unseen (their time is
//   otherwise lost), and sees zombies. Readings are taken at fork (the baseline: time
//   spent before uk knew the thread is not charged), at attach (the delta goes to the
//   container being left), at exit, and for every real member when a container's
//   `usage` is read. Every reading passes the recording seam (input_kind::cputime).
//   Without hooks nothing real is charged.
//
// Reaped time: uk-run observes forks and exits, so a process that starts and ends between
// two observations is never a task, and its CPU time shows only in its reaper's
// cutime/cstime. uk-run installs reaped_time_hooks (subsys/ may not depend on
// harness/): cpuacct reports what it charges per process and, at every reading of a
// process's leader (its usage read, its exit), charges what the hooks say that process
// reaped and no task was charged for, to the leader's container.
//
// Lock order: charge() takes container_mutex, then the task's alloc_lock; last_lock_
// is a leaf; it may be taken under container_mutex, css_group_lock or a task's
// alloc_lock.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

class reaped_time_hooks {
 public:
  virtual ~reaped_time_hooks() = default;
  // Real process `tgid` (child of `ppid`) is a task now.
  virtual void forked(pid_t tgid, pid_t ppid) = 0;
  // `ns` of real process `tgid`'s own time was charged.
  virtual void charged(pid_t tgid, uint64_t ns) = 0;
  // The CPU time `tgid` reaped since the last call that no task was charged for, in
  // ns (0: none or unknown); `exiting`: the last call, at its exit. Takes only leaf
  // locks: called with container_mutex held.
  virtual uint64_t take_reaped(pid_t tgid, bool exiting) = 0;
};

// The host's CPU clocks, for real tasks. uk-run's reads the process clock or /proc
// (harness/cputime_host.h); tests install fakes.
class cputime_hooks {
 public:
  virtual ~cputime_hooks() = default;
  // The on-CPU time of thread `tid` of process `tgid` so far, in ns, or nullopt if it
  // cannot be read (the thread is gone). `whole_process`: the leader of a process with
  // no other thread uk knows of; the reading is then the whole process's time.
  // Called with container_mutex and other kernel locks held: takes none of them.
  virtual std::optional<uint64_t> cputime(pid_t tgid, pid_t tid, bool whole_process) = 0;
};

class cpuacct_subsys final : public container_subsys {
 public:
  explicit cpuacct_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  void attach(container* cont, container* old_cont, task_struct* tsk) override;
  void fork(task_struct* task) override;
  void exit(task_struct* task) override;
  Errno populate(container* cont) override;

  // cpuacct_charge(): adds `ns` to the task's container in cpuacct's hierarchy (its own
  // usage, the patch's), and to today's cpuusage of it and each ancestor. The caller
  // holds no container lock.
  void charge(task_struct* tsk, uint64_t ns);
  // Charges a real task's host CPU time since the last reading to its container.
  // No-op for simulated tasks and for threads the host no longer has.
  void charge_real(task_struct* tsk);

  // The host CPU time of thread `tid` of process `tgid` in ns, through the hooks and
  // the recording seam, or nullopt if it cannot be read (the thread is gone, no hooks).
  std::optional<uint64_t> host_cputime(pid_t tgid, pid_t tid);

  // uk-run's (see the top of this file). Set before any real task but init exists:
  // installing hooks takes a real init task's baseline (at boot there were none).
  void set_cputime_hooks(cputime_hooks* h);
  void set_reaped_time_hooks(reaped_time_hooks* h) { reaped_.store(h); }

 private:
  struct cpuacct : container_subsys_state {
    std::atomic<uint64_t> usage{0};     // ns charged to this container's tasks
    std::atomic<uint64_t> cpuusage{0};  // today's: to them and its descendants' since a reset
  };
  cpuacct* ca_of(const container* cont) const;
  // The time since the last reading of `tid` (of process `tgid`), recording `now`; 0
  // without a baseline. Reported to the reaped-time hooks.
  uint64_t take_delta(pid_t tgid, pid_t tid, uint64_t now);
  // A real leader's reaped time not charged yet (the hooks'), 0 for other threads.
  uint64_t take_reaped(pid_t tgid, pid_t tid, bool exiting);
  uint64_t usage_read(container* cont);
  // Today's cpuusage of `cont` (cgroup flavour), its subtree's real members brought up
  // to date first.
  uint64_t cpuusage_read(container* cont);
  // Charges `ns` to `cont`: its own usage, and the cpuusage of it and its ancestors
  // (whose states a rebind moves: hence the lock).
  void charge_container(container* cont, uint64_t ns)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // Brings the real members of `cont` up to date (under container_mutex).
  void settle_members(container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

  container_core& core_;
  absl::Mutex last_lock_;
  absl::flat_hash_map<pid_t, uint64_t> last_ ABSL_GUARDED_BY(last_lock_);
  // Processes with a thread other than the leader seen at fork: their leader's own time
  // is not the process clock's. Dropped when the leader exits. When a process gains
  // its first thread, the leader's readings switch from the clock to /proc: time the
  // clock counted for unseen threads then holds back the next delta (never doubles).
  absl::flat_hash_set<pid_t> threaded_ ABSL_GUARDED_BY(last_lock_);
  std::vector<cftype> files_[CFTYPE_SET_COUNT];  // by the flavour's subsys_cftypes
  // Atomic: set once at boot by uk-run, read by every charge on any thread.
  std::atomic<cputime_hooks*> cputime_{nullptr};
  std::atomic<reaped_time_hooks*> reaped_{nullptr};
};

}  // namespace uk
