// Enforcement of CPU shares on the real processes uk runs: a control thread that
// duty-cycles processes with SIGSTOP / SIGCONT, deciding with the same policy as the
// simulator (fair_tree). See sched/README.md for why this mechanism and its limits.
//
// Every period (default 10 ms), and at once after kick():
//   1. take a snapshot of the share hierarchy (the source settles uk's task table
//      first, so new processes are seen);
//   2. read each thread's host CPU time and state; charge the time it ran to the tree;
//   3. a thread wants the CPU if it is running or runnable ('R'), used a quarter of a
//      period or more since the last step, or was wanting it when we stopped it;
//   4. if the wanting threads are all in one container, nothing is stopped (the host
//      scheduler already shares equally inside one container); otherwise fair_tree
//      places up to one wanting thread per CPU and every other process with a wanting
//      thread is stopped until it is placed again.
// Work-conserving: a process is stopped only while another wanting process runs in its
// place, and sleeping processes are never stopped. Processes it did not stop (stopped
// by the user, state 'T') are left alone and do not compete.
//
// Lock order: the thread's wake lock is a leaf (kick() may be called with kernel locks
// held); the policy state is owned by whichever thread runs tick() (the control thread
// once start() ran) and takes no lock; the source takes the kernel's locks itself.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "sched/fair_tree.h"
#include "sched/kicked_thread.h"
#include "sched/snapshot.h"
#include "uk/cpumask.h"

namespace uk::sched {

// The host, behind an interface so that the policy is tested without real processes:
// uk-run's is harness/enforcer_host.h (/proc and kill(2)), the tests' a fake.
class host_ops {
 public:
  struct sample {
    uint64_t cputime_ns = 0;  // time on CPU so far
    char state = '?';         // /proc/<pid>/stat state: R, S, D, T, t, Z, ...
  };
  virtual ~host_ops() = default;
  // nullopt if the thread is gone.
  virtual std::optional<sample> read_thread(pid_t tgid, pid_t tid) = 0;
  virtual void stop(pid_t tgid) = 0;    // SIGSTOP the process
  virtual void resume(pid_t tgid) = 0;  // SIGCONT the process
};

class share_enforcer {
 public:
  // Returns the current hierarchy with the real tasks to control.
  using source_fn = std::function<share_snapshot()>;
  struct options {
    uint64_t period_ns = 10'000'000;
    cpumask_t cpus;  // the CPUs to share (the online map)
    // Never stopped (the supervisor's own process, uk's init).
    pid_t exempt_tgid = 0;
    // Processes frozen by someone else (the freezer subsystem): never resumed here,
    // and they do not compete. Called from the control thread; must be cheap.
    std::function<bool(pid_t tgid)> frozen;
  };
  struct stats {
    uint64_t ticks = 0;
    uint64_t stops = 0;
    uint64_t resumes = 0;
  };

  share_enforcer(source_fn source, host_ops& host, options opts);
  // Stops the control thread and resumes every process it stopped.
  ~share_enforcer();
  share_enforcer(const share_enforcer&) = delete;
  share_enforcer& operator=(const share_enforcer&) = delete;

  // Starts the control thread.
  void start();
  // Stops the control thread and resumes every process it stopped; idempotent.
  void shutdown();
  // Membership or shares changed (fork, exit, attach, shares write): the control
  // thread steps at once. Safe from any thread, with any kernel lock held.
  void kick();

  // One control step. Called by the control thread; tests without a thread call it.
  void tick();
  // Every process the enforcer holds stopped now.
  const absl::flat_hash_set<pid_t>& stopped() const { return stopped_; }
  // Safe from any thread.
  stats get_stats() const { return {ticks_.load(), stops_.load(), resumes_.load()}; }
  const fair_tree& tree() const { return tree_; }

 private:
  struct thread_state {
    uint64_t last_cputime = 0;
    bool wants = false;
  };
  void resume_all();
  // SIGCONT `tgid` unless it is frozen.
  void resume(pid_t tgid);
  bool frozen(pid_t tgid) const { return opts_.frozen && opts_.frozen(tgid); }

  const source_fn source_;
  host_ops& host_;
  const options opts_;

  // Owned by the thread running tick().
  fair_tree tree_;
  absl::flat_hash_map<pid_t, thread_state> threads_;  // by tid
  absl::flat_hash_set<pid_t> stopped_;                // tgids we stopped
  std::atomic<uint64_t> ticks_{0}, stops_{0}, resumes_{0};
  // The last step had nothing to control: the thread waits for a kick only. Atomic:
  // written by whoever calls tick(), read by the control thread's step.
  std::atomic<bool> idle_{false};
  kicked_thread thread_;  // last: stopped before the state above goes
};

}  // namespace uk::sched
