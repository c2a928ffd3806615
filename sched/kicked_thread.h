// The control thread of the share enforcer and of the group mirror: runs a step at once
// when kicked, and every `period` for as long as the last step asks for it (returns
// true; the first step comes after a period, or at once after a kick before start());
// otherwise it sleeps until the next kick.
//
// Lock order: mu_ is a leaf, so kick() is safe from any thread with any kernel lock held.
#pragma once

#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace uk::sched {

class kicked_thread {
 public:
  kicked_thread() = default;
  ~kicked_thread() { shutdown(); }
  kicked_thread(const kicked_thread&) = delete;
  kicked_thread& operator=(const kicked_thread&) = delete;

  // Starts the thread; no-op if it runs already.
  void start(std::function<bool()> step, absl::Duration period);
  void kick();
  // Stops and joins the thread; idempotent.
  void shutdown();

 private:
  void loop(const std::function<bool()>& step, absl::Duration period);

  absl::Mutex mu_;
  bool kicked_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // started and joined by the owner's thread only
};

}  // namespace uk::sched
