// The task tracker: keeps uk's task table in step with the real process tree that
// uk-run supervises (see harness/README.md for the mechanism and why).
//
// Forks are learned after the fact: a trapped fork/clone/vfork only records a pending
// fork; settle() finds the new pids in /proc (uk-run runs in its own pid namespace, so
// /proc lists only the supervised tree) and creates their tasks with do_fork(). Exits
// are trapped (exit, exit_group) or seen through a pidfd per process (death by signal).
// Every observation (a read of `tasks`, an attach, a /proc/<pid>/container read, a
// mount) calls settle() first.
//
// Lock order: tracker::mu_ is taken before any kernel lock (it is held across
// do_fork / do_exit / release_task, which take tasklist_lock and container locks).
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "harness/host_ns.h"
#include "uk/kernel.h"

namespace ukrun {

// `s` as the inside of a JSON string.
std::string json_escape(std::string_view s);

// One JSON object per line; a no-op without a file.
class trace_log {
 public:
  explicit trace_log(FILE* f) : f_(f) {}
  // `fields` is the JSON body without braces, e.g. "\"pid\":3".
  void event(std::string_view ev, const std::string& fields);
  bool enabled() const { return f_ != nullptr; }

 private:
  absl::Mutex mu_;
  FILE* f_ ABSL_GUARDED_BY(mu_);
};

class tracker {
 public:
  tracker(uk::kernel& k, trace_log& trace) : kernel_(k), trace_(trace) {}
  ~tracker();

  // The first traced process, forked by uk-run itself (already stopped before exec).
  void add_root_process(pid_t pid);
  // A trapped fork/clone/vfork by thread `tid`: remember it for settle().
  void note_fork(pid_t tid, unsigned long clone_flags);
  // A trapped fork/clone/vfork by `tid` that may be refused (uk-run --pids): under the
  // tracker's lock, settles, then calls `check` with the forker's task and the forkers
  // of the other forks still in flight (their children may not exist yet). If it
  // returns kOk (or `tid` is not a task), the fork is noted as note_fork does.
  using fork_check = std::function<uk::Errno(uk::task_struct* forker,
                                             const std::vector<uk::task_struct*>& in_flight)>;
  uk::Errno admit_fork(pid_t tid, unsigned long clone_flags, const fork_check& check);
  // A trapped execve: the new comm is read from /proc at the next settle.
  void note_exec(pid_t tid, const std::string& filename);
  // Any trapped syscall from `tid`: its earlier fork (and unshare) has returned by now.
  void note_syscall(pid_t tid);
  // A trapped unshare(2) of namespace `flags` by `tid`, about to run. Once it has
  // returned (the next settle that sees a namespace of `flags` replaced, or the
  // thread's next trapped syscall), the replaced ones go to the kernel's sys_unshare:
  // the ns subsystem's container_clone, as unshare_nsproxy_namespaces() calls it.
  void note_unshare(pid_t tid, unsigned long flags);
  // A trapped exit(2): the thread's exit runs now, before it can be reaped.
  void thread_exit(pid_t tid);
  // A trapped exit_group(2): every thread of the process exits now.
  void group_exit(pid_t tid, int code);
  // A pidfd reported the process `tgid` gone (signal or exit).
  void process_gone(pid_t tgid);

  // Brings the task table up to date: pending forks become tasks (in their parent's
  // containers), exited processes are released, pending execs update comm.
  void settle();
  // settle(), then `fn` under the tracker's lock: no real task forks, execs, exits or
  // is released meanwhile (another thread's view of the tree, e.g. --tree-of).
  void observe(const std::function<void()>& fn);
  // settle() then the task for `tid` (nullptr if it is not supervised).
  uk::task_struct* task_for(pid_t tid);
  bool is_known(pid_t tid);

  // Adds the pidfds of processes supervised since the last call to `epoll_fd` (EPOLLIN,
  // data.u64 = tgid). Under the tracker's lock: another thread's settle may close a pidfd
  // (its process exited) and the number be reused before an unlocked caller's epoll_ctl
  // (found by TSan, harness/README.md).
  void add_new_pidfds(int epoll_fd);

  // `uk-run --check`: settles, then runs uk::check_invariants (no fork or exit can be
  // in flight: they all run under this tracker's lock) and compares the task table
  // with the threads in /proc (supervisor threads and zombies aside). A difference
  // with the host counts only if it is still there after a second settle (a process
  // may fork or die between the settle and the /proc listing). One line per
  // violation; empty when everything holds.
  std::vector<std::string> check(bool read_tasks_files);

  // Counters for --trace and the README numbers.
  size_t nr_settle_scans() const { return scans_; }

 private:
  struct proc {
    int pidfd = -1;
  };
  struct pending_fork {
    pid_t tid;
    pid_t tgid;
    unsigned long flags;
    bool done;  // the forker made another syscall since: the child exists if any
  };

  void settle_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void scan_forks_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One new pid, looked at directly; false: walk /proc instead.
  bool scan_one_locked(pid_t pid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A process or thread found in /proc joins its parent (the pending fork's forker
  // when there is one); false if that cannot be done yet.
  bool add_found_process_locked(pid_t pid, pid_t ppid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool add_found_thread_locked(pid_t tgid, pid_t tid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void reap_dead_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  pid_t read_ns_last_pid_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void update_execs_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `returned`: `tid`'s unshare is over; an unchanged reading then means it failed or
  // changed nothing. Otherwise only the pending unshares that already show are applied.
  void update_unshares_locked(pid_t tid, bool returned) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // do_fork for a real tid; registers a pidfd when it starts a new process.
  uk::task_struct* add_task_locked(uk::task_struct* parent, pid_t tid, unsigned long flags,
                                   bool thread) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void exit_task_locked(uk::task_struct* t, int code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void exit_process_locked(pid_t tgid, int code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  uk::kernel& kernel_;
  trace_log& trace_;
  absl::Mutex mu_;
  std::vector<pending_fork> pending_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<pid_t, std::string> pending_exec_ ABSL_GUARDED_BY(mu_);
  struct pending_unshare {
    unsigned long flags;
    host_ns before;
  };
  absl::flat_hash_map<pid_t, pending_unshare> pending_unshare_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<pid_t, proc> procs_ ABSL_GUARDED_BY(mu_);  // by tgid
  std::vector<std::pair<pid_t, int>> new_pidfds_ ABSL_GUARDED_BY(mu_);
  size_t scans_ = 0;
  // ns_last_pid when the last complete /proc scan started (-1: scan next time).
  pid_t scanned_last_pid_ ABSL_GUARDED_BY(mu_) = -1;
  int last_pid_fd_ ABSL_GUARDED_BY(mu_) = -1;  // -2: not available
};

}  // namespace ukrun
