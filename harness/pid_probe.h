// What a pid of uk-run's pid namespace is right now, in a few syscalls: the tracker's
// incremental settle looks only at the pids allocated since its last look
// (/proc/sys/kernel/ns_last_pid moved) instead of walking /proc.
//
// Why it needs more than /proc: alloc_pid() moves ns_last_pid before copy_process()
// attaches the new task (attach_pid), so for a moment the pid is allocated while
// /proc/<pid> and pidfd_open() say it does not exist, exactly as for a pid that was
// already reaped. fcntl(F_SETOWN, pid) tells the two apart: it succeeds while the
// struct pid is published in the namespace (find_vpid), from the end of alloc_pid()
// until free_pid(), task attached or not (kernel/fork.c, kernel/pid.c, fs/fcntl.c
// f_setown; checked on 6.18: a reaped pid gives ESRCH, a live thread's tid 0).
//
// Not covered: the few instructions inside alloc_pid() between reserving the number
// (which moves ns_last_pid) and publishing the struct pid, during which F_SETOWN
// still says ESRCH; alloc_pid() sleeps there only when allocating memory for an
// outer namespace level.
#pragma once

#include <sys/types.h>

#include <string>

namespace ukrun {

struct pid_info {
  enum kind_t {
    gone,       // no such pid: reaped, a fork that failed, or never allocated
    in_flight,  // allocated, no task attached yet: a fork still in copy_process()
    process,    // a thread-group leader, alive (pidfd is open, the caller owns it)
    zombie,     // a thread-group leader that has exited and is not reaped yet
    thread,     // a live thread that is not its group's leader
    error,      // a probe failed for another reason (`err`: EMFILE, ENOMEM...)
  };
  kind_t kind = gone;
  pid_t tgid = 0;    // process, thread
  pid_t ppid = 0;    // process: the parent's tgid
  int pidfd = -1;    // process only
  std::string comm;  // process: its comm if the probe read it ("": the parent's stands)
  int err = 0;       // error only
};

// /proc/<tgid>/task/<tid>/comm without its newline, or "" (gone).
std::string read_comm(pid_t tgid, pid_t tid);

class pid_prober {
 public:
  pid_prober();
  ~pid_prober();
  pid_prober(const pid_prober&) = delete;
  pid_prober& operator=(const pid_prober&) = delete;

  // pidfd_open, then PIDFD_GET_INFO (Linux 6.13+; else /proc/<pid>/stat) for a process
  // or /proc/<pid>/status for a thread, then F_SETOWN if the pid has no task. A process
  // that has exited is a `process` too when PIDFD_GET_INFO answers (a zombie's pidfd is
  // readable at once, so the settle that adds it also ends it) and a `zombie` otherwise.
  pid_info probe(pid_t pid);
  // Tests: probe as on a kernel without PIDFD_GET_INFO.
  void set_use_pidfd_info(bool on) { use_pidfd_info_ = on; }

 private:
  // Whether the struct pid is published in the namespace (F_SETOWN on owner_fd_);
  // -errno on a failure other than ESRCH.
  int published(pid_t pid);

  int owner_fd_ = -1;           // an eventfd whose owner F_SETOWN sets
  bool use_pidfd_info_ = true;  // cleared by the first ENOTTY/EINVAL: an older kernel
};

}  // namespace ukrun
