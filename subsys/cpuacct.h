// The cpuacct subsystem (2.6.24 CONFIG_CGROUP_CPUACCT, kernel/sched.c cpuacct_*): the
// CPU time, in nanoseconds, that member tasks used while they were members.
//
// File `usage` (read_uint): the container's own total, not including its children;
// a write is EINVAL (2.6.24 has no write handler; 2.6.26's "0 resets" is not ported).
// The cgroup flavour's files are today's (subsys/cpuacct_v1.cc, kernel/sched/cpuacct.c):
// `cpuacct.usage` is hierarchical (cpuacct_charge adds to the group and every
// ancestor, Linux 2.6.29+) and a write of 0 resets the group's counts (not the root's);
// `usage_user`, `usage_sys`, `usage_percpu*`, `usage_all` and `stat` split it by CPU
// and by mode. The host tells uk a thread's time on CPU exactly, but not where it ran
// nor in which mode: a reading under the cgroup flavour also takes the thread's
// utime/stime as /proc reports them and the CPU it last ran on (the hooks' split()),
// and charges the stretch since the last reading to that CPU, split as those times
// grew. harness/README.md says what that approximates.
//
// Charging:
// - simulated tasks are charged by whoever simulates them (the scheduler) through
//   charge(), as update_curr() calls cpuacct_charge(): user time, on the first CPU the
//   task may use;
// - real tasks (task_struct::real) are charged from the host: a reading takes
//   the thread's on-CPU time through the cputime_hooks uk-run installs (subsys/ makes
//   no host call; harness/cputime_host.h) and charges the time since the last reading.
//   For the leader of a process uk never saw a second thread of, the reading is the
//   whole process's: it also counts threads that came and went unseen (their time is
//   otherwise lost), and sees zombies. Readings are taken at fork (the baseline: time
//   spent before uk knew the thread is not charged), at attach (the delta goes to the
//   container being left), at exit, and for every real member when a container's
//   counts are read. Every reading passes the recording seam (input_kind::cputime, and
//   input_kind::cpustat for a split). Without hooks nothing real is charged.
//
// Reaped time: uk-run observes forks and exits, so a process that starts and ends between
// two observations is never a task, and its CPU time shows only in its reaper's
// cutime/cstime. uk-run installs reaped_time_hooks (subsys/ may not depend on
// harness/): cpuacct reports what it charges per process and, at every reading of a
// process's leader (its counts read, its exit), charges what the hooks say that process
// reaped and no task was charged for, to the leader's container (split, under the
// cgroup flavour, as its cutime and cstime grew), on the leader's CPU.
//
// Lock order: charge() and an exit's reading take container_mutex, then the task's
// alloc_lock; the hooks are called under container_mutex; last_lock_
// is a leaf; it may be taken under container_mutex, css_group_lock or a task's
// alloc_lock.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
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

// Time a process reaped, in ns, and its user part (as its cutime grew).
struct reaped_cputime {
  uint64_t ns = 0, user = 0;
};

class reaped_time_hooks {
 public:
  virtual ~reaped_time_hooks() = default;
  // Real process `tgid` (child of `ppid`) is a task now.
  virtual void forked(pid_t tgid, pid_t ppid) = 0;
  // `ns` of real process `tgid`'s own time was charged.
  virtual void charged(pid_t tgid, uint64_t ns) = 0;
  // The CPU time `tgid` reaped since the last call that no task was charged for (0:
  // none or unknown); `exiting`: the last call, at its exit. Takes only leaf locks:
  // called with container_mutex held.
  virtual reaped_cputime take_reaped(pid_t tgid, bool exiting) = 0;
};

// What /proc/<pid>/stat says of a thread besides its precise time: its user and
// system time in ns (fields 14-15, the host's cputime_adjust of its ticks), and the CPU
// it last ran on (39).
struct cpu_split {
  uint64_t utime = 0, stime = 0;
  int cpu = 0;
  friend bool operator==(const cpu_split&, const cpu_split&) = default;
};

// The host's CPU clocks, for real tasks. uk-run's reads the process clock or /proc
// (harness/cputime_host.h); tests install fakes.
// Both are called with container_mutex and other kernel locks held: they take none.
class cputime_hooks {
 public:
  virtual ~cputime_hooks() = default;
  // The on-CPU time of thread `tid` of process `tgid` so far, in ns, or nullopt if it
  // cannot be read (the thread is gone). `whole_process`: the leader of a process with
  // no other thread uk knows of; the reading is then the whole process's time.
  virtual std::optional<uint64_t> cputime(pid_t tgid, pid_t tid, bool whole_process) = 0;
  // The same thread's (or process's) split, or nullopt (gone, or no source).
  virtual std::optional<cpu_split> split(pid_t tgid, pid_t tid, bool whole_process) {
    return std::nullopt;
  }
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

  // cpuacct_charge(): adds `ns` of user time to the task's container in cpuacct's
  // hierarchy (its own usage, the patch's), and to today's counts of it and each
  // ancestor, on the first CPU the task may use. The caller holds no container lock.
  void charge(task_struct* tsk, uint64_t ns);
  // The host CPU time of thread `tid` of process `tgid` in ns, through the hooks and
  // the recording seam, or nullopt if it cannot be read (the thread is gone, no hooks).
  std::optional<uint64_t> host_cputime(pid_t tgid, pid_t tid);
  // Its split, the same way (input_kind::cpustat).
  std::optional<cpu_split> host_split(pid_t tgid, pid_t tid);

  // uk-run's (see the top of this file). Set before any real task but init exists:
  // installing hooks takes a real init task's baseline (at boot there were none).
  void set_cputime_hooks(cputime_hooks* h);
  void set_reaped_time_hooks(reaped_time_hooks* h) { reaped_.store(h); }

 private:
  // One charge: the precise time (today's cpuusage), the user and system parts the
  // host's times give it (cpustat's CPUTIME_USER and CPUTIME_SYSTEM; 0 when unknown),
  // and the CPU.
  struct cpu_charge {
    uint64_t ns = 0, user = 0, sys = 0;
    int cpu = 0;
  };
  // Today's per-CPU counts (struct cpuacct's cpuusage and cpustat). Atomic: charged
  // and read under container_mutex, but the array is the state's, not the lock's.
  struct cpuacct_usage {
    std::atomic<uint64_t> usage{0}, user{0}, sys{0};
  };
  struct cpuacct : container_subsys_state {
    explicit cpuacct(size_t nr_cpu_ids)
        : nr_cpu_ids(nr_cpu_ids), percpu(new cpuacct_usage[nr_cpu_ids]) {}
    std::atomic<uint64_t> usage{0};  // the patch's: ns charged to this container's tasks
    // Today's, since a reset: its tasks' and its descendants', per possible CPU.
    const size_t nr_cpu_ids;
    const std::unique_ptr<cpuacct_usage[]> percpu;
    // cgroup::prev_cputime, which cpuacct.stat's cputime_adjust keeps monotonic (a
    // reset leaves it): guarded by container_mutex, which every read holds.
    uint64_t prev_utime = 0, prev_stime = 0;
    uint64_t sum(std::atomic<uint64_t> cpuacct_usage::*field) const;
  };
  // A thread's last reading: its time, and its split if one was taken.
  struct thread_clock {
    uint64_t ns = 0;
    std::optional<cpu_split> split;
  };

  cpuacct* ca_of(const container* cont) const;
  // Whether readings charged to `cont` take the split: only today's files show it.
  static bool wants_split(const container* cont);
  // The time since the last reading of `tid` (of process `tgid`), recording `now` and
  // `split`: its modes and CPU where both readings have a split. Nothing without a
  // baseline or a reading (the CPU it was last seen on, without a reading).
  cpu_charge take_delta(pid_t tgid, pid_t tid, std::optional<uint64_t> now,
                        const std::optional<cpu_split>& split);
  // A real leader's reaped time not charged yet (the hooks'), nothing for other
  // threads; with `split`, its user part too (input_kind::reaped_user), the rest system.
  cpu_charge take_reaped(pid_t tgid, pid_t tid, bool exiting, bool split);
  // Charges `cont` what real thread (tgid, tid) ran since its last reading and, with
  // `reaped`, what its process reaped meanwhile; `exiting`: the thread's last reading.
  void settle_thread(container* cont, pid_t tgid, pid_t tid, bool reaped, bool exiting)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  uint64_t usage_read(container* cont);
  // Runs `fn` on `cont`'s state (cgroup flavour) under container_mutex, its subtree's
  // real members brought up to date first; nullopt if the group is gone.
  template <typename Fn>
  auto with_settled(container* cont, Fn fn) -> std::optional<decltype(fn(*ca_of(cont)))>;
  // Charges `c` to `cont`: its own usage, and today's counts of it and its ancestors
  // (whose states a rebind moves: hence the lock).
  void charge_container(container* cont, const cpu_charge& c)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // Brings the real members of `cont` up to date (under container_mutex).
  void settle_members(container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // Whether a reading of (tgid, tid) is the whole process's (see cputime_hooks).
  bool whole_process(pid_t tgid, pid_t tid);
  // Today's files (cpuacct_v1.cc).
  std::vector<cftype> legacy_files();
  // cpuacct.stat's user and system, in ns: cputime_adjust() of the group's split.
  std::pair<uint64_t, uint64_t> stat_adjusted(cpuacct& ca)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

  container_core& core_;
  absl::Mutex last_lock_;
  absl::flat_hash_map<pid_t, thread_clock> last_ ABSL_GUARDED_BY(last_lock_);
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
