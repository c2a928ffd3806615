// CPU shares on uk-run's real processes: wires sched/'s share_enforcer (SIGSTOP /
// SIGCONT duty cycling, see sched/README.md) to the cpu subsystem and the tracker.
//
// The control thread steps every 10 ms, and at once when the cpu subsystem reports a
// change (shares write, attach, fork, exit). Each step settles the tracker first, so
// processes forked since the last observation are controlled too. While cpu is not
// bound to a mounted hierarchy a step costs one check and nothing is ever stopped.
// The supervisor itself (uk's init) is never stopped.
//
// Lock order: a step takes tracker::mu_ and then the kernel's locks (through settle and
// the snapshot), holding nothing of its own; the change notifier only takes the
// enforcer's leaf wake lock.
#pragma once

#include <memory>

#include "harness/tracker.h"
#include "sched/enforcer.h"
#include "uk/kernel.h"

namespace ukrun {

class cpu_enforcer {
 public:
  cpu_enforcer(uk::kernel& k, tracker& tr);
  // Unhooks from the cpu subsystem, stops the thread, resumes every stopped process.
  ~cpu_enforcer();
  cpu_enforcer(const cpu_enforcer&) = delete;
  cpu_enforcer& operator=(const cpu_enforcer&) = delete;

  void start() { enforcer_->start(); }
  uk::sched::share_enforcer::stats stats() const { return enforcer_->get_stats(); }

 private:
  uk::sched::share_snapshot source();

  uk::kernel& kernel_;
  tracker& tracker_;
  std::unique_ptr<uk::sched::host_ops> host_;
  std::unique_ptr<uk::sched::share_enforcer> enforcer_;
};

}  // namespace ukrun
