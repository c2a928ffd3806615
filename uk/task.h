// struct task_struct: one thread, simulated or mirroring a real host thread (same
// pid/tid). The fields the patch uses keep its names: containers (the css_group),
// cg_list, flags (PF_EXITING), uid/euid/suid, cpus_allowed.
//
// Locking: alloc_lock (task_lock()) guards writing `containers`; cg_list is guarded
// by container_core::css_group_lock. See uk/container_core.h for the order.
#pragma once

#include <sched.h>
#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <list>
#include <string>

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

// A clock reading in nanoseconds.
inline uint64_t timespec_ns(const struct timespec& ts) {
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
}

// CLOCK_MONOTONIC in nanoseconds (start times, timeouts, the harness's durations).
inline uint64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return timespec_ns(ts);
}

struct task_struct : vfs_task {
  pid_t tgid = 0;       // thread group (process) id
  pid_t ppid = 0;       // the parent's pid (0 for init); not a pointer:
                        // a parent may be reaped before its children
  std::string comm;     // at most TASK_COMM_LEN - 1 bytes
  unsigned flags = 0;   // PF_*
  bool zombie = false;  // exited, not yet reaped (release_task)
  int exit_code = 0;
  bool real = false;  // mirrors a host thread with this pid
  uint64_t start_time_ns = 0;

  // Scheduling: the policy the cpu subsystem's can_attach checks, the affinity
  // cpuset maintains (set_cpus_allowed), the memory nodes.
  int policy = SCHED_OTHER;
  cpumask_t cpus_allowed;
  nodemask_t mems_allowed;

  // Container membership (V10: task_struct.containers / cg_list).
  css_group* containers = nullptr;
  std::list<task_struct*>::iterator cg_list;
  bool cg_list_linked = false;

  // task_lock(): guards writing `containers`.
  absl::Mutex alloc_lock;

  bool is_thread_group_leader() const { return pid == tgid; }
};

// The task a system call runs for, as a task_struct.
inline task_struct* current_task() { return static_cast<task_struct*>(current()); }

}  // namespace uk
