// The task tracker: keeps uk's task table in step with the real process tree that
// uk-run supervises (see harness/README.md for the mechanism and why).
//
// Forks are learned after the fact: a trapped fork/clone/vfork only records a pending
// fork; settle() finds the new pids and creates their tasks with do_fork(). It looks
// only at the pids allocated since its last look (ns_last_pid moved), one probe each
// (harness/pid_probe.h), and walks /proc only at the start, after a wrap or a long
// gap; a pid allocated but not attached yet (a fork in copy_process) is probed again
// at every settle until it is a task or gone. Deaths are seen through a pidfd per
// process and a PIDFD_THREAD pidfd per other thread, gathered in one epoll set that
// every observation reads first (with --exact-exits, exit and exit_group are trapped
// too); execs through /proc comm (with --rules, execve is trapped).
// Every observation (a read of `tasks`, an attach, a /proc/<pid>/container read, a
// mount) calls settle() first. A settle with nothing new costs a pread of ns_last_pid
// and an epoll_wait; an exit costs O(threads of the process). A FUSE request whose
// answer no new process can change checks only for exits (task_for's `depends`).
//
// Lock order: tracker::mu_ is taken before any kernel lock (it is held across
// do_fork / do_exit / release_task, which take tasklist_lock and container locks).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "harness/host_ns.h"
#include "harness/pid_probe.h"
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
  absl::Mutex mu_;  // serializes the writes to f_
  FILE* const f_;   // never changes: enabled() reads it without mu_
};

class tracker {
 public:
  tracker(uk::kernel& k, trace_log& trace);
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
  // A trapped execve: the new comm is read from /proc at the next settle (`filename`,
  // empty unless traced, only says whether the comm is its truncated base name).
  void note_exec(pid_t tid, const std::string& filename);
  // Any trapped syscall from `tid`: its earlier fork (and unshare) has returned by now.
  void note_syscall(pid_t tid);
  // A trapped unshare(2) of namespace `flags` by `tid`, about to run. Once it has
  // returned (the next settle that sees a namespace of `flags` replaced, or the
  // thread's next trapped syscall), the replaced ones go to the kernel's sys_unshare:
  // the ns subsystem's container_clone, as unshare_nsproxy_namespaces() calls it.
  void note_unshare(pid_t tid, unsigned long flags);
  // --exact-exits: a trapped exit(2): the thread's exit runs now, before it can be reaped.
  void thread_exit(pid_t tid);
  // --exact-exits: a trapped exit_group(2): every thread of the process exits now.
  void group_exit(pid_t tid, int code);
  // exit_fd() is readable: a supervised process died (signal or exit); settles.
  void reap_exited();
  // A real task's ids as the host has them now (host_creds.h): if they differ from the
  // task's, the kernel takes them (uk::kernel::set_creds, a `creds` entry). `t` must be
  // pinned. Called when a request's caller ids differ from its task's, and for the
  // target of a non-root caller's attach.
  void sync_creds(uk::task_struct& t);
  // A trap's reply is about to let its caller run on, and maybe exit: what the serving
  // thread did with the caller's task happens before that exit is processed on the
  // main thread. The host orders the two (an exit follows the reply), but C++ and TSan
  // see no edge without this: a release here, an acquire in every exit pass.
  void note_answer() { answered_.fetch_add(1, std::memory_order_release); }

  // Brings the task table up to date: pending forks become tasks (in their parent's
  // containers), exited processes and threads exit (do_exit), pending execs update comm.
  void settle();
  // Called at every observation, after the forks and deaths are mirrored, under the
  // tracker's lock (no task is released meanwhile): what else uk reads from the host
  // then (affinity_host::observe, the programs' own CPU masks). Set before the tree runs.
  void set_observer(std::function<void()> fn) {
    absl::MutexLock l(&mu_);
    observer_ = std::move(fn);
  }
  // Whether execs are trapped (--rules: note_exec). If not, comms are read from /proc
  // by observe() and, with a trace, by every observation (which logs each change).
  void set_execs_trapped(bool on) {
    absl::MutexLock l(&mu_);
    execs_trapped_ = on;
  }

  // Task lifetime. An exit runs do_exit at once (the task leaves its containers and
  // every tasks file), but the task_struct is freed (release_task) only while no pin
  // exists: the FUSE threads and the main loop use task pointers (the caller, the
  // target of an attach) without the tracker's lock, and a process may exit meanwhile
  // (a storm freed one under an attach: absl "Mutex corrupt"). Freed at the next
  // settle or release_zombies() that finds no pin (never waiting for one there), and
  // before check(), which waits.
  class pin {
   public:
    explicit pin(absl::Mutex* gate) ABSL_NO_THREAD_SAFETY_ANALYSIS : gate_(gate) {
      gate_->ReaderLock();
    }
    pin(pin&& o) : gate_(std::exchange(o.gate_, nullptr)) {}
    pin& operator=(pin&&) = delete;
    ~pin() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      if (gate_) gate_->ReaderUnlock();
    }

   private:
    absl::Mutex* gate_;
  };
  // Pins every task (no pin may be taken twice by one thread).
  pin hold() { return pin(&gate_); }
  // A pinned task: settle() then the task for `tid` (nullptr if it is not supervised),
  // valid as long as this object lives.
  struct pinned_task {
    pin p;
    uk::task_struct* task;
  };
  // What the answer to a request of `tid` depends on, i.e. how much task_for settles
  // (harness/README.md, "Which requests settle"; fuse_ops.cc says which needs which).
  enum class depends {
    // Every fork and exit that happened before the request: a full settle().
    forks_and_exits,
    // No new process: an answer that a settle could change only by an exit (a
    // settle puts a new task only beside its parent, so only into containers that hold
    // a live task already) or by a node a trapped clone or unshare makes. Settles
    // fully if a watched task has died (its unseen children go first, as its own), such
    // a clone or unshare is pending, or `tid` is not a live task; else one epoll_wait.
    exits,
    // Nothing but the caller's task (the answer was fixed by an earlier settle, e.g. a
    // `tasks` snapshot taken at open). Settles fully only if `tid` is not a live task.
    caller_only,
  };
  pinned_task task_for(pid_t tid, depends on = depends::forks_and_exits);
  // settle() (and, unless execs are trapped, every process's comm read again), then
  // `fn` under the tracker's lock: no real task forks, execs, exits or is released
  // meanwhile (another thread's view of the tree, e.g. --tree-of).
  void observe(const std::function<void()>& fn);
  // Frees the tasks that exited, unless a pin exists.
  void release_zombies();
  bool is_known(pid_t tid);

  // An epoll fd, readable while a supervised process has died and is still a task
  // (the pidfds live in it and are added and closed under the tracker's lock, so no
  // pidfd number can be reused behind another thread's back: the race TSan found,
  // harness/README.md). The supervisor polls it with its own epoll set.
  int exit_fd() const { return exit_ep_; }

  // `uk-run --check` between two full checks: after every fork and exit the tracker
  // checks that task's own invariants (uk::check_task, O(hierarchies)) and keeps the
  // violations until the next check() returns them.
  void set_event_checks(bool on);

  // `uk-run --check`: settles, then runs uk::check_invariants (no fork or exit can be
  // in flight: they all run under this tracker's lock) and compares the task table
  // with the threads in /proc (supervisor threads and zombies aside). A difference
  // with the host counts only if it is still there after a second settle (a process
  // may fork or die between the settle and the /proc listing). One line per
  // violation; empty when everything holds.
  std::vector<std::string> check(bool read_tasks_files);

  // Counters for --trace and the README numbers: full /proc walks and pids probed.
  size_t nr_settle_scans() const { return scans_; }
  size_t nr_probes() const { return probes_; }

 private:
  struct proc {
    int pidfd = -1;
    std::vector<pid_t> threads;  // its tasks other than the leader
  };
  struct pending_fork {
    pid_t tid;
    pid_t tgid;
    unsigned long flags;
    bool done;  // the forker made another syscall since: the child exists if any
  };
  // A pid to probe again at the next settle: allocated but not attached yet, or a
  // process whose parent is not a task yet.
  struct retry {
    pid_t pid;
    uint64_t since_ns;
  };

  // `observation`: someone is about to look at the table, so processes that died
  // meanwhile exit first (their pidfds are read). An exit trap's settle only mirrors
  // new forks before the exiting parent goes; the main loop reaps the dead anyway.
  void settle_locked(bool observation = true) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void scan_forks_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The old full walk: every pid in /proc and every supervised process's task dir.
  void walk_proc_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Probes `pid` and makes it a task if it should be one.
  enum class probe_result {
    settled,  // a task now, or never to be one (a zombie, the supervisor's thread)
    later,    // allocated without a task yet, or its parent is not a task yet
    no_pid,   // no such pid (gone, or not published yet)
  };
  probe_result probe_locked(pid_t pid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The task a new process (thread: of group `tgid_or_ppid`) is forked from, taking
  // the matching pending fork's flags; nullptr if not known (yet).
  uk::task_struct* parent_locked(pid_t tgid_or_ppid, bool thread, unsigned long* flags)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void reap_dead_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether an answer that `on` (not forks_and_exits) describes can be given to `tid`
  // without a settle (task_for).
  bool settled_enough_locked(pid_t tid, depends on) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Watches the death of new task `t` (a process: its pidfd, -1 to open one here; a
  // thread: a PIDFD_THREAD pidfd). False if it cannot be watched: `t` has exited then.
  bool watch_locked(uk::task_struct* t, int pidfd) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Untrapped execs: every live process's comm from /proc.
  void refresh_comms_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  pid_t read_ns_last_pid_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void update_execs_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `returned`: `tid`'s unshare is over; an unchanged reading then means it failed or
  // changed nothing. Otherwise only the pending unshares that already show are applied.
  void update_unshares_locked(pid_t tid, bool returned) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `tid`'s pending unshare as it exits: read once more, else (dead, namespaces gone)
  // taken as done if it was allowed.
  void unshare_at_exit_locked(pid_t tid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void apply_unshare_locked(uk::task_struct* t, unsigned long changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // do_fork for a real tid; a new process brings its pidfd (-1: opened here) and the
  // comm a probe read with it (nullptr: read here).
  uk::task_struct* add_task_locked(uk::task_struct* parent, pid_t tid, unsigned long flags,
                                   bool thread, int pidfd = -1, const std::string* comm = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void exit_task_locked(uk::task_struct* t, int code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void exit_process_locked(pid_t tgid, int code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The tasks of `tgid`'s process: its threads, the leader last.
  std::vector<pid_t> threads_locked(pid_t tgid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void check_event_locked(pid_t tid, uk::task_struct* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // release_task for the exited tasks: `wait` for the pins to go, or only if none.
  void release_zombies_locked(bool wait) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void warn_locked(const std::string& what, int err) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  uk::kernel& kernel_;
  trace_log& trace_;
  absl::Mutex mu_;
  absl::Mutex gate_ ABSL_ACQUIRED_AFTER(mu_);        // readers: pins; writer: release_zombies
  std::vector<pid_t> zombies_ ABSL_GUARDED_BY(mu_);  // exited, to release (reaped by the host)
  // The pidfds of exited processes the host has not reaped yet, in exit_ep_ for
  // EPOLLHUP only: their leaders stay zombies in uk, out of zombies_, until the host's
  // reap hangs the pidfd up, as the kernel keeps a zombie's pids charge until
  // release_task. No syscall per lingering zombie at each settle.
  absl::flat_hash_map<pid_t, int> reap_fds_ ABSL_GUARDED_BY(mu_);
  // !zombies_.empty(), readable without mu_: release_zombies() runs after every trap
  // and main-loop wakeup, and most have nothing to free. Set and cleared under mu_; a
  // stale false only delays a release to the next settle.
  std::atomic<bool> have_zombies_{false};
  std::atomic<uint64_t> answered_{0};  // note_answer()'s: only its ordering matters
  pid_prober prober_ ABSL_GUARDED_BY(mu_);
  int exit_ep_ = -1;
  std::vector<pending_fork> pending_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<pid_t, std::string> pending_exec_ ABSL_GUARDED_BY(mu_);
  // The process whose exit_group trap group_exit() is settling (else 0): if that
  // settle mirrors it, it gets no pidfd in exit_ep_.
  pid_t exiting_ ABSL_GUARDED_BY(mu_) = 0;
  struct pending_unshare {
    unsigned long flags;
    host_ns before;
    bool allowed;  // unshare_allowed() at the trap: what counts if the caller dies unseen
  };
  absl::flat_hash_map<pid_t, pending_unshare> pending_unshare_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<pid_t, proc> procs_ ABSL_GUARDED_BY(mu_);  // by tgid
  // Non-leader threads' PIDFD_THREAD pidfds (in exit_ep_), by tid.
  absl::flat_hash_map<pid_t, int> thread_fds_ ABSL_GUARDED_BY(mu_);
  // Before Linux 6.9 (no PIDFD_THREAD): threads looked up in /proc at every observation.
  bool thread_pidfds_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<pid_t> unwatched_threads_ ABSL_GUARDED_BY(mu_);
  bool execs_trapped_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> observer_ ABSL_GUARDED_BY(mu_);
  std::vector<retry> retry_ ABSL_GUARDED_BY(mu_);
  size_t scans_ = 0;
  size_t probes_ = 0;
  // Every pid up to this one (ns_last_pid at the last look) has been looked at; the
  // ones that could not be settled yet are in retry_. -1: walk /proc next time.
  pid_t walked_to_ ABSL_GUARDED_BY(mu_) = -1;
  int last_pid_fd_ ABSL_GUARDED_BY(mu_) = -1;  // -2: not available
  bool event_checks_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> event_violations_ ABSL_GUARDED_BY(mu_);
  int last_warned_errno_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ukrun
