// A test-only subsystem for every SUBSYS() slot: it records each callback (name,
// order, arguments) so tests can check the call order the patch specifies, and can be
// told to fail create/can_attach or to pin a css.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "uk/container.h"
#include "uk/subsystem.h"

namespace uk::testing {

struct callback_log {
  absl::Mutex mu;
  std::vector<std::string> events ABSL_GUARDED_BY(mu);

  void add(std::string e) {
    absl::MutexLock l(&mu);
    events.push_back(std::move(e));
  }
  std::vector<std::string> take() {
    absl::MutexLock l(&mu);
    return std::exchange(events, {});
  }
};

struct recording_css : container_subsys_state {
  uint64_t value = 0;
};

class recording_subsys : public container_subsys {
 public:
  recording_subsys(kernel& k, int id, callback_log& log);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno can_attach(container* cont, task_struct* tsk) override;
  void attach(container* cont, container* old_cont, task_struct* tsk) override;
  Errno can_fork(task_struct* child) override;
  void cancel_fork(task_struct* child) override;
  void fork(task_struct* task) override;
  void post_fork(task_struct* child) override;
  void exit(task_struct* task) override;
  Errno populate(container* cont) override;
  void post_clone(container* cont) override;
  void bind(container* root) override;

  int fail_create = 0;      // errno for the next creates
  int fail_can_attach = 0;  // errno for can_attach
  int fail_can_fork = 0;    // errno for can_fork

 private:
  std::string where(container* cont);
  callback_log& log_;
  std::vector<cftype> files_;
};

// A registry whose every slot is a recording_subsys logging to `log`; the fork hook of
// `with_fork` ids is enabled (-1: none).
subsys_registry recording_registry();
// The log the recording registry writes to (one per process: tests reset it).
callback_log& recording_log();
// Which subsystems have fork/exit (and can_fork/cancel_fork/post_fork) hooks in the
// next kernel booted.
void set_recording_forkexit(bool fork, bool exit, bool can_fork = false);

}  // namespace uk::testing
