// CPU shares on uk-run's real processes (harness/README.md, "CPU shares"), one of:
//   - the host's scheduler: sched/'s group_mirror over the run's own host cgroup subtree
//     (host_cgroup.h): uk's cpu hierarchy mirrored there, every real thread placed in its
//     container's group; nothing is stopped and no signal is sent;
//   - SIGSTOP / SIGCONT duty cycling: sched/'s share_enforcer (see sched/README.md).
// Either is kicked by the cpu subsystem's change notifier (bind, mkdir, rmdir, shares
// write, attach, fork, exit) and works on its own thread; a step settles the tracker
// first, so processes forked since the last observation are seen. While cpu is not
// bound to a mounted hierarchy nothing is moved or stopped. The supervisor itself
// (uk's init) is never stopped nor moved.
//
// Lock order: a step takes tracker::mu_ and then the kernel's locks (through settle and
// the snapshot), holding nothing of its own; the change notifier only takes the
// enforcer's (or mirror's) leaf wake lock. announced_ is the stepping thread's alone.
#pragma once

#include <memory>
#include <string>

#include "harness/held_stops.h"
#include "harness/host_cgroup.h"
#include "harness/tracker.h"
#include "sched/enforcer.h"
#include "sched/group_mirror.h"
#include "uk/kernel.h"

namespace ukrun {

class cpu_enforcer {
 public:
  // With `subtree` (which must outlive this), the host's scheduler; without, signals,
  // whose stops are noted in `held` (which must outlive this). `announce`, if not
  // empty, goes to stderr once, when cpu is first found mounted.
  cpu_enforcer(uk::kernel& k, tracker& tr, const host_subtree* subtree, held_stops& held,
               std::string announce);
  // Unhooks from the cpu subsystem, stops the thread, resumes every stopped process.
  ~cpu_enforcer();
  cpu_enforcer(const cpu_enforcer&) = delete;
  cpu_enforcer& operator=(const cpu_enforcer&) = delete;

  void start();

 private:
  // The cpu hierarchy with its real tasks; nullopt while cpu is not mounted.
  std::optional<uk::sched::share_snapshot> snapshot();
  void announce_once();

  uk::kernel& kernel_;
  tracker& tracker_;
  const std::string announce_;
  bool announced_ = false;  // the stepping thread's
  // Signals.
  std::unique_ptr<uk::sched::host_ops> host_;
  std::unique_ptr<uk::sched::share_enforcer> enforcer_;
  // Host cgroups.
  std::unique_ptr<uk::sched::host_groups> groups_;
  std::unique_ptr<uk::sched::group_mirror> mirror_;
};

}  // namespace ukrun
