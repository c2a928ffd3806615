// pidfds of single threads (Linux 6.9+), shared by the tracker's exit watch and the
// emulated /proc files.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace ukrun {

// pidfd_open's PIDFD_THREAD (include/uapi/linux/pidfd.h): a pidfd of one thread,
// readable once that thread has exited (a process pidfd waits for the group) and hung
// up once it has been reaped (pidfd_poll: no task for its pid any more).
inline constexpr unsigned kPidfdThread = O_EXCL;

// A thread held as an open procfs file holds its struct pid: whoever gets its number
// later, this one is the file's, and once it has been reaped the file's reads fail
// with ESRCH (fs/proc/base.c proc_single_show).
class held_thread {
 public:
  explicit held_thread(pid_t tid)
      : pidfd_(static_cast<int>(syscall(SYS_pidfd_open, tid, kPidfdThread))),
        gone_at_open_(pidfd_ < 0 && errno == ESRCH) {}
  ~held_thread() {
    if (pidfd_ >= 0) close(pidfd_);
  }
  held_thread(const held_thread&) = delete;
  held_thread& operator=(const held_thread&) = delete;

  // Reaped (or already at the open). A kernel without thread pidfds (EINVAL) or out of
  // fds holds nothing, and says no.
  bool reaped() const {
    if (pidfd_ < 0) return gone_at_open_;
    pollfd p = {pidfd_, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0;
  }

 private:
  const int pidfd_;
  const bool gone_at_open_;
};

}  // namespace ukrun
