// The kernel object: the VFS (one mount namespace), the task table, the container
// core and the work queue. Every global of the kernel is a member here, so each test
// boots a fresh kernel.
//
// Tasks are simulated (tests, benchmarks: pids allocated here) or mirror real host
// threads (the launcher passes their pids). Both go through do_fork / do_exec /
// do_exit / release_task, which call into the container core as copy_process(),
// do_execve() and do_exit() do.
//
// Locks: tasklist_lock guards the task table; it nests inside container_mutex (the
// tasks write looks pids up under it) and outside css_group_lock (the invariant
// checker); do_fork and release_task take it alone, briefly. work_lock_ and
// helper_lock_ are leaves. The whole tree is in uk/container_core.h.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "uk/container_core.h"
#include "uk/subsystem.h"
#include "uk/task.h"
#include "uk/topology.h"
#include "vfs/entry_recorder.h"
#include "vfs/vfs.h"

namespace uk {

struct kernel_config {
  // The init task: pid 1 "init" for a simulated kernel; the launcher passes its own
  // pid so the traced tree hangs below a real process.
  pid_t init_pid = 1;
  std::string init_comm = "init";
  bool init_is_real = false;
  // The CPU and memory-node maps: one CPU and one node unless set (uk-run passes the
  // host's, harness/host_topology.h).
  topology topo;
  // The kernel's clocks (vfs/clock.h): inode times, task start times. uk-run's reads
  // the host's; null: both stand at 0. Must outlive the kernel.
  clock_source* clock = nullptr;
  // The recording seam (vfs/entry_recorder.h), or null: it sees every entry after boot
  // and every host input from boot on (the maps above pass through it). Must outlive
  // the kernel.
  entry_recorder* recorder = nullptr;
};

// The usermode helper seam (call_usermodehelper): runs the release agent. Tests
// capture argv/envp; the launcher runs a real process as the invoking user.
using usermode_helper_fn =
    std::function<void(const std::vector<std::string>& argv, const std::vector<std::string>& envp)>;

class kernel {
 public:
  explicit kernel(const subsys_registry& registry, kernel_config config = {});
  ~kernel();
  kernel(const kernel&) = delete;
  kernel& operator=(const kernel&) = delete;

  uk::vfs& vfs() { return vfs_; }
  container_core& containers() { return core_; }
  topology& topo() { return topo_; }
  task_struct* init_task() { return init_task_; }

  // --- Task table ---
  // The task with this thread id, or null (find_task_by_pid). Zombies are found.
  task_struct* find_task_by_pid(pid_t pid);
  size_t nr_tasks();
  // Every thread id of `tgid`'s thread group, ascending.
  std::vector<pid_t> thread_group(pid_t tgid);
  // Every live task's pid, ascending.
  std::vector<pid_t> all_pids();
  // Calls fn(task_struct*) for every task in the table, zombies included (for the
  // invariant checker, uk/invariants.h). The caller holds tasklist_lock.
  template <typename F>
  void for_each_task_locked(F&& fn) ABSL_SHARED_LOCKS_REQUIRED(tasklist_lock) {
    for (auto& [pid, t] : tasks_) fn(t.get());
  }

  // --- fork / exec / exit ---
  // copy_process(): a new task for `parent`. `pid` 0 allocates a simulated pid;
  // otherwise it is the real tid (EEXIST if taken). CLONE_THREAD makes a thread of
  // the parent's group; CLONE_FS / CLONE_FILES share those; namespace flags call
  // container_clone for the ns subsystem (EPERM without CAP_SYS_ADMIN). A simulated
  // fork fails with what a subsystem's can_fork says (pids.max: EAGAIN), leaving no
  // task behind.
  ErrorOr<task_struct*> do_fork(task_struct* parent, unsigned long clone_flags, pid_t pid = 0);
  // unshare(2) of namespace flags: container_clone on the caller.
  Errno sys_unshare(task_struct* tsk, unsigned long flags);
  // do_execve(): a new program image: comm from the file name's base, close-on-exec fds.
  void do_exec(task_struct* tsk, std::string_view filename);
  // The ids a real task has on the host now, seen after a change of its own (setuid and
  // its family; uk-run looks when a request's caller ids differ from the task's).
  // Observed, like an exec; recorded as a `creds` entry.
  void set_creds(task_struct* tsk, const task_creds& c);
  // do_exit(): exit hooks, membership dropped; the task stays a zombie until reaped.
  // Its fs and files stay until then: another thread may still be acting as it.
  void do_exit(task_struct* tsk, int exit_code);
  // release_task(): reaps a zombie, dropping its fs and files; the pid is free again.
  void release_task(task_struct* tsk);

  // --- Work queue (keventd) ---
  // Runs `work` on the kernel's worker thread, in order.
  void schedule_work(std::function<void()> work);
  // Waits until every scheduled work item has run.
  void flush_work();

  // call_usermodehelper(): runs through the installed helper; no helper = the exec
  // fails silently, as the kernel's would for a missing agent.
  void call_usermodehelper(const std::vector<std::string>& argv,
                           const std::vector<std::string>& envp);
  void set_usermode_helper(usermode_helper_fn fn);

  // --- The recording seam ---
  entry_recorder* recorder() const { return recorder_; }
  // A host input (vfs/entry_recorder.h): `live()` without a recorder, else what the
  // recorder says (the live value recorded, or a replayed one).
  std::optional<uint64_t> host_input(input_kind kind, pid_t key,
                                     absl::FunctionRef<std::optional<uint64_t>()> live) {
    return recorder_ != nullptr ? recorder_->input(kind, key, live) : live();
  }
  std::string host_input_text(input_kind kind, pid_t key, absl::FunctionRef<std::string()> live) {
    return recorder_ != nullptr ? recorder_->input_text(kind, key, live) : live();
  }

  absl::Mutex tasklist_lock;

 private:
  pid_t alloc_pid() ABSL_EXCLUSIVE_LOCKS_REQUIRED(tasklist_lock);
  // do_fork's work, recorded as one entry by do_fork.
  ErrorOr<task_struct*> copy_process(task_struct* parent, unsigned long clone_flags, pid_t pid);
  uint64_t clock_ns();
  void worker_loop();

  // Set at construction, never changed: read without a lock.
  entry_recorder* const recorder_;
  clock_source* const clock_;
  uk::vfs vfs_;
  topology topo_;
  container_core core_;
  absl::flat_hash_map<pid_t, std::unique_ptr<task_struct>> tasks_ ABSL_GUARDED_BY(tasklist_lock);
  pid_t last_pid_ ABSL_GUARDED_BY(tasklist_lock) = 1;
  task_struct* init_task_ = nullptr;

  absl::Mutex helper_lock_;
  usermode_helper_fn usermode_helper_ ABSL_GUARDED_BY(helper_lock_);

  absl::Mutex work_lock_;
  std::deque<std::function<void()>> work_ ABSL_GUARDED_BY(work_lock_);
  bool work_running_ ABSL_GUARDED_BY(work_lock_) = false;
  bool stopping_ ABSL_GUARDED_BY(work_lock_) = false;
  std::thread worker_ ABSL_GUARDED_BY(work_lock_);  // keventd, started by the first work
};

}  // namespace uk
