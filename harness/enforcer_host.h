// The CPU-share enforcer's host (sched/enforcer.h host_ops) on uk-run's real processes:
// a thread's state and on-CPU time from /proc/<tgid>/task/<tid>/{stat,schedstat}, and
// SIGSTOP / SIGCONT by kill(2). sched/ declares the interface and never touches the
// host itself; tests drive the enforcer with a fake.
#pragma once

#include <sys/types.h>

#include <optional>

#include "harness/held_stops.h"
#include "sched/enforcer.h"

namespace ukrun {

class enforcer_host final : public uk::sched::host_ops {
 public:
  // Its stops are noted in `held` (which must outlive this).
  explicit enforcer_host(held_stops& held) : held_(held) {}
  // nullopt if the thread is gone (or its files do not parse).
  std::optional<sample> read_thread(pid_t tgid, pid_t tid) override;
  void stop(pid_t tgid) override;
  void resume(pid_t tgid) override;

 private:
  held_stops& held_;
};

}  // namespace ukrun
