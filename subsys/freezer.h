// The freezer subsystem (Linux's kernel/cgroup_freezer.c, v1 semantics): stop every
// task of a container and of its descendants, and let them run again.
//
// File, on every container but a hierarchy's root (as in Linux):
//   state  (cgroup flavour: freezer.state)  THAWED, FREEZING or FROZEN
//   cgroup flavour only (today's legacy_freezer.c): freezer.self_freezing and
//   freezer.parent_freezing, 0 or 1: written FROZEN itself; an ancestor freezing
//
// Writing FROZEN freezes the container (self-freezing); a container is freezing when
// it or an ancestor is. Its tasks are frozen at once; the state reads FREEZING until
// every task of it and its descendants is stopped, then FROZEN. Writing THAWED clears
// the container's own flag (its tasks run again unless an ancestor is still frozen,
// as in Linux 3.13+ v1). FREEZING or anything else is EINVAL. A task forked in, or
// attached into, a freezing container is frozen; one attached out of it is thawed.
//
// Simulated tasks are frozen at once (a flag). Real tasks (uk-run) are frozen by the
// launcher through freezer_hooks (SIGSTOP / SIGCONT); subsys/ does not depend on the
// harness, so the harness installs them. is_frozen_tgid() is the shared "frozen" query
// that the CPU-share enforcer asks so that it never resumes a frozen process.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

// How real tasks are frozen. Called with container_mutex held: must not call into the
// kernel.
class freezer_hooks {
 public:
  virtual ~freezer_hooks() = default;
  virtual void freeze(pid_t tgid) = 0;  // stop the process (SIGSTOP)
  virtual void thaw(pid_t tgid) = 0;    // resume it (SIGCONT)
  // Whether the process is stopped now (its freezing is complete).
  virtual bool stopped(pid_t tgid) = 0;
};

class freezer_subsys final : public container_subsys {
 public:
  enum class freezer_state { THAWED, FREEZING, FROZEN };

  explicit freezer_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno populate(container* cont) override;
  void attach(container* cont, container* old_cont, task_struct* tsk) override;
  void fork(task_struct* task) override;
  void exit(task_struct* task) override;

  // Installs (or, with nullptr, removes) the hooks for real tasks. The hooks must
  // outlive their installation.
  void set_hooks(freezer_hooks* hooks);
  // Whether uk froze (some thread of) process `tgid`. Safe from any thread, with any
  // kernel lock held (a leaf lock).
  bool is_frozen_tgid(pid_t tgid) const;
  // Whether task `pid` is frozen.
  bool is_frozen(pid_t pid) const;
  // What freezer.state reads for `cont` (thaws nothing; retries freezing the tasks
  // not yet stopped, as update_if_frozen() did).
  freezer_state state_of_container(container* cont);
  // Writes freezer.state: FROZEN (true) or THAWED (false). ENODEV if `cont` is gone.
  Errno set_frozen(container* cont, bool frozen);

 private:
  struct freezer_cgroup : container_subsys_state {
    bool self_freezing = false;  // guarded by container_mutex
  };
  freezer_cgroup* css_of(const container* cont) const {
    return static_cast<freezer_cgroup*>(cont->subsys[subsys_id]);
  }
  bool freezing(const container* cont) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // Freezes or thaws every task of `cont` and below as their containers say.
  void sync_subtree(const container* cont) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  void sync_task(task_struct* t, bool freeze) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  bool task_stopped(task_struct* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);

  container_core& core_;
  std::vector<cftype> files_[CFTYPE_SET_COUNT];  // by the flavour's subsys_cftypes
  freezer_hooks* hooks_ ABSL_GUARDED_BY(core_.container_mutex) = nullptr;
  std::atomic<int> freezing_count_{0};  // containers with self_freezing set

  mutable absl::Mutex frozen_mu_;                                             // leaf
  absl::flat_hash_map<pid_t, pid_t> frozen_ ABSL_GUARDED_BY(frozen_mu_);      // pid -> tgid
  absl::flat_hash_map<pid_t, int> frozen_tgids_ ABSL_GUARDED_BY(frozen_mu_);  // tgid -> count
};

const char* freezer_state_name(freezer_subsys::freezer_state s);

}  // namespace uk
