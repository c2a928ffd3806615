// The processes uk-run holds stopped (held_stops.h).
#include "harness/held_stops.h"

namespace ukrun {

void held_stops::stopped(pid_t tgid, holder by) {
  absl::MutexLock l(&mu_);
  held_[tgid] |= by;
}

void held_stops::resumed(pid_t tgid, holder by) {
  absl::MutexLock l(&mu_);
  auto it = held_.find(tgid);
  if (it == held_.end()) return;
  it->second &= static_cast<uint8_t>(~by);
  if (it->second == 0) held_.erase(it);
}

bool held_stops::holds(pid_t tgid) {
  absl::MutexLock l(&mu_);
  return held_.contains(tgid);
}

}  // namespace ukrun
