// Ending a thread that blocks in a system call (a FUSE loop's read or io_uring_enter,
// the notification receive): SIGUSR1, whose handler is installed without SA_RESTART,
// makes the call fail with EINTR, and the thread then sees its stop flag. A signal
// that lands just before the thread blocks is lost, so it is sent again until the
// thread says it is done: soon at first (the thread normally ends within microseconds),
// then less often. The flag must be set before.
#pragma once

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

namespace ukrun {

inline void interrupt_and_join(std::thread& t, const std::atomic<bool>& done) {
  for (useconds_t wait = 20; !done.load(); wait = std::min<useconds_t>(wait * 2, 2000)) {
    pthread_kill(t.native_handle(), SIGUSR1);
    usleep(wait);
  }
  t.join();
}

}  // namespace ukrun
