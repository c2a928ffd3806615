// The invariant checker: what the container core promises at every moment, checked
// against its data structures (tests, fuzzers, `uk-run --check`).
//
// check_invariants() verifies, under container_mutex, tasklist_lock, css_group_lock
// and each task's alloc_lock (so attach, mkdir, rmdir and mounts are excluded):
//   - every live task points at a css_group of the table, is on that group's task list
//     exactly once, and is in exactly one container of every hierarchy; a zombie or
//     exiting task points at init_css_group and is on no list;
//   - every css_group is stored under its own css array, has one css per subsystem,
//     the css of subsystems bound to one hierarchy belong to one container of it
//     (unbound ones to the dummy top), one link per hierarchy to that container, and
//     each link sits on its container's css_groups list;
//   - css_group refs == live tasks pointing at it (+1 permanent for init_css_group;
//     zombies hold none, as in the patch);
//   - a child container's count == the number of (css_group, subsystem) pairs whose
//     css is the container's (top containers keep no count, as in the patch); number_of_containers
//     == the containers reachable in the tree; parent/root/top pointers and the subsystem bindings
//     agree;
//   - the pids a container's `tasks` file lists (container_iter) are exactly the tasks
//     whose container in that hierarchy it is, and, with read_tasks_files, the file
//     opened and read through the VFS's file operations says the same, for every
//     container of a mounted hierarchy (also one under another mount).
// Each violation is one line of text; an empty result means every invariant holds.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace uk {

class kernel;
struct task_struct;

struct invariant_options {
  // No fork, exit or reap is in progress (tests, fuzzers, uk-run under its tracker
  // lock). When false, the checks that such a call in flight breaks for a moment are
  // relaxed: a css_group may hold more references than tasks point at it (a fork's
  // child not yet in the table, an exit's old group not yet put), and a task just
  // added to the table may not be on its group's list yet.
  bool quiescent = true;
  // Also open and read every mounted hierarchy's `tasks` files through the VFS
  // (dentry_open and vfs_read on each container's own `tasks` dentry) and compare them
  // with the task table. The locks are dropped for this phase, so it is only
  // meaningful when nothing attaches concurrently.
  bool read_tasks_files = true;
};

std::vector<std::string> check_invariants(kernel& k, const invariant_options& opts = {});

// The part of check_invariants() that concerns one live task, in O(hierarchies) instead
// of O(all tasks and containers): uk-run --check runs it after every fork it mirrors
// and the full check periodically. The task is in the table under its pid, not
// exiting, on a task list (its cg_list names it), its css_group holds a reference, has
// one css per subsystem whose container is that css's and sits, not removed, in the
// hierarchy the subsystem is bound to, and one link into every hierarchy.
std::vector<std::string> check_task(kernel& k, task_struct* t);

// One thread of the host (uk-run lists them from /proc: harness/host_threads.h).
struct host_thread {
  pid_t tid = 0;
  pid_t tgid = 0;
  char state = '?';  // R, S, D, Z, X, ...
};

// Under uk-run: the task table against the real threads. Every task other than the
// init task must be a host thread of the same thread group; every host thread that is
// not a zombie/dead and not in the thread group `exclude_tgid` (the supervisor) must
// be a live task. Real processes are racy: callers settle and compare again before
// reporting (see harness/uk_run.cc).
std::vector<std::string> compare_with_host(kernel& k, const std::vector<host_thread>& host,
                                           pid_t exclude_tgid);

}  // namespace uk
