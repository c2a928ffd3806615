// The caller's capability bounding set, captured and given back to COMMAND
// (caller_caps.h).
#include "harness/caller_caps.h"

#include <sys/prctl.h>

namespace ukrun {

namespace {
// PR_CAPBSET_READ answers EINVAL past the kernel's last capability (cap_last_cap).
constexpr int kMaxCaps = 64;
}  // namespace

uint64_t capture_caller_bounding_set() {
  uint64_t set = 0;
  for (int cap = 0; cap < kMaxCaps; cap++) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) set |= uint64_t{1} << cap;
  }
  return set;
}

void restore_caller_bounding_set(uint64_t caller) {
  for (int cap = 0; cap < kMaxCaps; cap++) {
    if (!(caller & (uint64_t{1} << cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) {
      prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);  // EPERM without CAP_SETPCAP: kept
    }
  }
}

}  // namespace ukrun
