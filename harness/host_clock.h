// The host's clocks, for the kernel (vfs/clock.h: inode times, task start times) and
// for the launcher's own durations and timeouts. The kernel's layers read no host
// clock themselves.
#pragma once

#include <cstdint>

#include "vfs/clock.h"

namespace ukrun {

// CLOCK_REALTIME and CLOCK_MONOTONIC; stateless, one for the process.
uk::clock_source& host_clock();

// CLOCK_MONOTONIC in nanoseconds.
uint64_t monotonic_ns();

}  // namespace ukrun
