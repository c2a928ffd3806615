// struct task_struct: one thread, simulated or mirroring a real host thread (same
// pid/tid). The fields the patch uses keep its names: containers (the css_group),
// cg_list, flags (PF_EXITING), uid/euid/suid, cpus_allowed.
//
// Locking: alloc_lock (task_lock()) guards `containers` and the task's place on its
// css_group's list (cg_list, cg_list_linked), which are written with
// container_core::css_group_lock held too; `flags` and `zombie` are atomics written
// under alloc_lock / once. See uk/container_core.h for the lock order.
#pragma once

#include <sched.h>
#include <sys/types.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "uk/cpumask.h"
#include "vfs/vfs_task.h"

namespace uk {

struct css_group;

// include/linux/sched.h
inline constexpr unsigned PF_EXITING = 0x00000004;
inline constexpr size_t TASK_COMM_LEN = 16;
// The namespace flags that make copy_namespaces()/unshare call container_clone.
inline constexpr unsigned long kNamespaceFlags =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

// Fields without a lock annotation (tgid, ppid, real, start_time_ns, policy) are set
// by copy_process before the task is published in the pid table and never written
// after, so every thread reads them without a lock. Tests may set policy on a task no
// other thread sees yet.
struct task_struct : vfs_task {
  pid_t tgid = 0;  // thread group (process) id
  pid_t ppid = 0;  // the parent's pid (0 for init); not a pointer:
                   // a parent may be reaped before its children
  // At most TASK_COMM_LEN - 1 bytes. Exec's observer (uk-run's tracker) writes it while
  // FUSE threads, --tree and the recorder read it: task_lock, as 2.6.24's
  // get_task_comm() / set_task_comm() take it.
  std::string comm ABSL_GUARDED_BY(alloc_lock);
  std::string get_task_comm() const ABSL_LOCKS_EXCLUDED(alloc_lock) {
    absl::MutexLock l(&alloc_lock);
    return comm;
  }
  void set_task_comm(std::string_view name) ABSL_LOCKS_EXCLUDED(alloc_lock) {
    absl::MutexLock l(&alloc_lock);
    comm = std::string(name.substr(0, TASK_COMM_LEN - 1));
  }
  // PF_*. Written under alloc_lock: do_exit sets PF_EXITING once under it, so attach's
  // check and its swap of `containers`, under the same lock, happen wholly before or
  // after. Atomic so lock-free readers (sched snapshots, uk-run's filters, the
  // invariant checker) read it without a data race.
  std::atomic<unsigned> flags = 0;
  // Exited, not yet reaped (release_task). Set once, by do_exit after PF_EXITING and
  // the exit hooks; read without a lock by lookups that skip zombies (the tasks write,
  // thread_group, /proc). A reader that still sees false meets PF_EXITING under
  // alloc_lock next (attach: ESRCH). Atomic: do_exit runs on uk-run's tracker thread
  // while a FUSE thread writes `tasks`.
  std::atomic<bool> zombie = false;
  int exit_code ABSL_GUARDED_BY(alloc_lock) = 0;
  bool real = false;  // mirrors a host thread with this pid
  uint64_t start_time_ns = 0;

  // task_lock() (the patch's task->alloc_lock). Nests inside
  // container_core::css_group_lock.
  mutable absl::Mutex alloc_lock;  // mutable: get_task_comm() reads a const task

  // Scheduling: the policy the cpu subsystem's can_attach checks, the affinity
  // cpuset maintains (set_cpus_allowed), the memory nodes. The masks are written by
  // cpuset's attach on a FUSE thread and read by fork's mirror and the scheduler's
  // snapshot on others: task_lock, as cpuset.c's set_cpus_allowed callers hold it.
  int policy = SCHED_OTHER;
  cpumask_t cpus_allowed ABSL_GUARDED_BY(alloc_lock);
  nodemask_t mems_allowed ABSL_GUARDED_BY(alloc_lock);

  // The mask the task last asked for with sched_setaffinity (today's user_cpus_ptr,
  // kept since Linux 6.2 and copied at fork); nullopt if it never asked. Whether a
  // cpuset change honours it is the mount flavour's (container_flavour::
  // keeps_user_cpus): 2.6.24's set_cpus_allowed has no such mask.
  std::optional<cpumask_t> user_cpus_ptr ABSL_GUARDED_BY(alloc_lock);

  // Container membership (V10: task_struct.containers / cg_list): the css_group the
  // task holds a reference on, and its node on that group's task list. Changed only by
  // attach (under container_mutex) and exit, both also holding css_group_lock.
  css_group* containers ABSL_GUARDED_BY(alloc_lock) = nullptr;
  std::list<task_struct*>::iterator cg_list ABSL_GUARDED_BY(alloc_lock);
  bool cg_list_linked ABSL_GUARDED_BY(alloc_lock) = false;

  bool is_thread_group_leader() const { return pid == tgid; }
};

// task_css_set(): the task's css_group, read under its task_lock. The pointer stays
// valid only while the caller keeps the task from being attached or exiting (e.g.
// under container_mutex for attach, or as the task itself).
inline css_group* task_css_group(task_struct* t) {
  absl::MutexLock l(&t->alloc_lock);
  return t->containers;
}

// The task a system call runs for, as a task_struct.
inline task_struct* current_task() { return static_cast<task_struct*>(current()); }

}  // namespace uk
