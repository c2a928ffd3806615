// The share hierarchy as the scheduler sees it: the cpu subsystem's containers (with
// their shares) and the tasks in them, copied out of the kernel at one instant so the
// scheduler never holds a kernel lock while it decides.
//
// sched/ may not depend on subsys/, so the share of a container is read through a
// callback that the caller (harness/, tests/) wires to cpu_subsys::shares_of().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "uk/container.h"
#include "uk/cpumask.h"
#include "uk/kernel.h"
#include "uk/task.h"

namespace uk::sched {

// The weight of one task inside its container (NICE_0_LOAD): tasks of a container share
// its time equally, and compete with its child containers as CFS group scheduling does.
inline constexpr uint64_t TASK_WEIGHT = 1024;

struct share_group {
  std::string path;  // container_path(): "/" for the top; the identity across snapshots
  int parent = -1;   // index in share_snapshot::groups; -1 for the top (groups[0])
  uint64_t shares = 1024;
};

struct share_task {
  pid_t pid = 0;   // tid
  pid_t tgid = 0;  // process: real enforcement stops and resumes whole processes
  bool real = false;
  int group = 0;  // index in share_snapshot::groups
  cpumask_t cpus_allowed;
  // Valid only while the task cannot be released (the simulator's simulated tasks);
  // the enforcer never dereferences it.
  task_struct* task = nullptr;
};

// Parents precede their children in `groups`; groups[0] is the hierarchy's top.
struct share_snapshot {
  std::vector<share_group> groups;
  std::vector<share_task> tasks;
};

// The share of a live container of the cpu hierarchy (cpu_subsys::shares_of); called
// with container_mutex held.
using shares_fn = std::function<uint64_t(const container* cont)>;

enum class task_kind { simulated, real, any };

// Copies the cpu subsystem's hierarchy (the dummy hierarchy when cpu is not mounted:
// one group) with every live task of `kind`. Zombies and exiting tasks are left out.
// Takes container_mutex, then css_group_lock and task locks (kernel order).
share_snapshot take_snapshot(kernel& k, const shares_fn& shares, task_kind kind);

}  // namespace uk::sched
