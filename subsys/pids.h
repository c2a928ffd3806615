// The pids subsystem (Linux 4.3's kernel/cgroup_pids.c, v1 semantics): a limit on the
// number of tasks (processes and threads) in a container and everything below it.
//
// Files, on every container but a hierarchy's root (as in Linux):
//   max      (cgroup flavour: pids.max)      "max" (no limit, the default) or 0..2^31
//   current  (cgroup flavour: pids.current)  tasks in the container and its descendants
//
// As in Linux, an attach is never refused (a container may go over its limit that
// way); only a fork is. The core's do_fork cannot fail on a subsystem's word (2.6.24
// had no can_fork), so the refusal is can_fork() below, which uk-run calls in its fork
// trap (harness/README.md) and answers EAGAIN to the forking process.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

// pids.max's "max".
inline constexpr int64_t PIDS_MAX = INT64_MAX;

class pids_subsys final : public container_subsys {
 public:
  explicit pids_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno populate(container* cont) override;

  // pids_can_fork(): EAGAIN if one more task in `parent`'s container would exceed a
  // limit there or above; `pending` are tasks whose forks are in flight (counted as if
  // their child existed already, each in its forker's container). kOk when pids is
  // not bound to a hierarchy.
  Errno can_fork(task_struct* parent, const std::vector<task_struct*>& pending);
  // pids.current of `cont` (tasks in it and below).
  int64_t current_of(const container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

 private:
  struct pids_cgroup : container_subsys_state {
    std::atomic<int64_t> limit{PIDS_MAX};
  };
  pids_cgroup* state_of(const container* cont) const {
    return static_cast<pids_cgroup*>(cont->subsys[subsys_id]);
  }

  container_core& core_;
  std::vector<cftype> files_;
};

}  // namespace uk
