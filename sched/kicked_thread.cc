#include "sched/kicked_thread.h"

namespace uk::sched {

void kicked_thread::start(std::function<bool()> step, absl::Duration period) {
  if (thread_.joinable()) return;
  thread_ = std::thread([this, step = std::move(step), period] { loop(step, period); });
}

void kicked_thread::kick() {
  absl::MutexLock l(&mu_);
  kicked_ = true;
}

void kicked_thread::shutdown() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void kicked_thread::loop(const std::function<bool()>& step, absl::Duration period) {
  bool again = true;  // the first step comes after a period, or a kick
  while (true) {
    {
      absl::MutexLock l(&mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return kicked_ || stopping_; };
      if (again) {
        mu_.AwaitWithTimeout(absl::Condition(&woken), period);
      } else {
        mu_.Await(absl::Condition(&woken));
      }
      if (stopping_) return;
      kicked_ = false;
    }
    again = step();
  }
}

}  // namespace uk::sched
