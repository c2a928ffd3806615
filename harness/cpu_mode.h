// The outer uk-run's part of --cpu-enforcement (harness/README.md, "CPU shares"): picks
// the mode before the namespaces are entered (the run's host cgroup subtree can only be
// made then) and removes that subtree once the supervisor is gone.
#ifndef UK_HARNESS_CPU_MODE_H_
#define UK_HARNESS_CPU_MODE_H_

#include "harness/options.h"

namespace ukrun {

// Makes the subtree for host-cgroup (or the automatic choice, which falls back to
// signals) and sets o.cpu, o.cpu_subtree, o.freeze_subtree and o.cpu_announce; also the
// cpuset subtree where the host allows it (o.cpuset_subtree, host_cpuset.h). 0, or
// 125 after a message when host-cgroup was asked for and is not available. With a
// subtree, also starts the helper that removes them should this process be killed.
int prepare_cpu_enforcement(options& o);
// The choice alone.
int choose_cpu_enforcement(options& o);

// In the outer uk-run: removes the subtree when it goes out of scope, which is after
// the supervisor has exited (the child side leaves with _exit and never runs it).
class cpu_subtree_guard {
 public:
  explicit cpu_subtree_guard(options& o) : o_(o) {}
  ~cpu_subtree_guard();
  cpu_subtree_guard(const cpu_subtree_guard&) = delete;
  cpu_subtree_guard& operator=(const cpu_subtree_guard&) = delete;
  // The supervisor outlives this process (processes COMMAND left running): the helper
  // that prepare_cpu_enforcement started removes the subtrees once it is gone.
  void leave_to_cleanup_helper() { leave_ = true; }

 private:
  options& o_;
  bool leave_ = false;
};

}  // namespace ukrun

#endif  // UK_HARNESS_CPU_MODE_H_
