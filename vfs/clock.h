// The kernel's clocks. The kernel reads no host clock itself: uk-run installs the
// host's (harness/host_clock.h), tests install a fixed_clock they set, uk-replay feeds
// the recorded readings back through the recording seam (vfs/entry_recorder.h). With
// none installed both clocks stand at 0.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>

namespace uk {

class clock_source {
 public:
  virtual ~clock_source() = default;
  // CLOCK_REALTIME in ns: inode times (CURRENT_TIME, vfs/inode.h current_fs_time()).
  virtual uint64_t realtime_ns() = 0;
  // CLOCK_MONOTONIC in ns: task start times.
  virtual uint64_t monotonic_ns() = 0;
};

// Reads what its owner set. Atomic: set by a test's thread, read by any kernel thread.
class fixed_clock final : public clock_source {
 public:
  explicit fixed_clock(uint64_t realtime_ns = 0) : realtime(realtime_ns) {}
  uint64_t realtime_ns() override { return realtime.load(); }
  uint64_t monotonic_ns() override { return monotonic.load(); }

  std::atomic<uint64_t> realtime{0};
  std::atomic<uint64_t> monotonic{0};
};

// A clock reading in nanoseconds.
inline uint64_t timespec_ns(const struct timespec& ts) {
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
}
inline struct timespec ns_timespec(uint64_t ns) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000ull);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000ull);
  return ts;
}

}  // namespace uk
