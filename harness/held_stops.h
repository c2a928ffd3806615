// The processes uk-run itself holds stopped by SIGSTOP: the CPU-share enforcer's duty
// cycle (--cpu-enforcement=signals) and the freezer without a host cgroup. A stop of
// COMMAND that is one of these is uk's, not the program's, and is not passed on to
// uk-run's caller (supervisor::on_command_stopped: a shell would report its job
// "Stopped" at every duty cycle).
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace ukrun {

class held_stops {
 public:
  enum holder : uint8_t { cpu_enforcer = 1, freezer = 2 };
  void stopped(pid_t tgid, holder by);
  void resumed(pid_t tgid, holder by);
  bool holds(pid_t tgid);

 private:
  absl::Mutex mu_;  // a leaf: taken by the enforcer's thread, the FUSE loops and the main loop
  absl::flat_hash_map<pid_t, uint8_t> held_ ABSL_GUARDED_BY(mu_);  // tgid -> holders
};

}  // namespace ukrun
