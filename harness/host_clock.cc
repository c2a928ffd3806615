#include "harness/host_clock.h"

#include <time.h>

namespace ukrun {

namespace {

uint64_t read_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return uk::timespec_ns(ts);
}

class real_clock final : public uk::clock_source {
 public:
  uint64_t realtime_ns() override { return read_ns(CLOCK_REALTIME); }
  uint64_t monotonic_ns() override { return read_ns(CLOCK_MONOTONIC); }
};

}  // namespace

uk::clock_source& host_clock() {
  static real_clock clock;
  return clock;
}

uint64_t monotonic_ns() { return read_ns(CLOCK_MONOTONIC); }

}  // namespace ukrun
