// poll(2) of an open file (fs/select.c do_pollfd -> vfs_poll): the mask a driver's
// file_operations::poll reports, and the wait queue it registers the poller on, which
// the driver wakes when that mask may have changed.
#pragma once

#include <poll.h>

#include <functional>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace uk {

struct file;

// A file without ->poll: always readable and writable (include/linux/poll.h).
inline constexpr unsigned DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

// What a poller passes down: how to wake it. Null `wake`: it does not wait (poll with a
// zero timeout, or the second pass of a poll that found an event), and poll_wait
// registers nothing.
struct poll_table {
  std::function<void()> wake;
};

// wait_queue_head_t for pollers. A waiter is one-shot and keyed by the file it polls:
// a woken poller polls again, and so waits again (FUSE's FUSE_NOTIFY_POLL wakes so); a
// file's second wait replaces its first. The driver removes a file's waiter at its
// release.
class wait_queue_head {
 public:
  void add(const file* f, std::function<void()> wake);
  void remove(const file* f);
  // wake_up_interruptible(): every waiter, each once, called without the lock held (a
  // waker may write to a device).
  void wake_up();

 private:
  absl::Mutex lock_;  // a leaf
  absl::flat_hash_map<const file*, std::function<void()>> waiters_ ABSL_GUARDED_BY(lock_);
};

// poll_wait(): puts `f`'s poller on `q`, unless it does not wait.
void poll_wait(const file& f, wait_queue_head& q, const poll_table* p);

}  // namespace uk
