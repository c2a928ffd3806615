#include "sched/snapshot.h"

#include "absl/synchronization/mutex.h"
#include "uk/container_core.h"
#include "uk/containerfs_root.h"
#include "uk/subsystem.h"

namespace uk::sched {

namespace {

bool wanted(const task_struct* t, task_kind kind) {
  switch (kind) {
    case task_kind::simulated:
      return !t->real;
    case task_kind::real:
      return t->real;
    case task_kind::any:
      return true;
  }
  return false;
}

// Depth first, parents before children; members are collected under css_group_lock,
// which keeps a task on its group's list (and so alive) while it is read.
void walk(container_core& core, const container* cont, int parent, const shares_fn& shares,
          task_kind kind, share_snapshot& out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.container_mutex) {
  int index = static_cast<int>(out.groups.size());
  auto path = core.container_path(cont);
  uint64_t s = shares(cont);
  out.groups.push_back(
      {path.ok() ? path.value() : std::string("?"), parent, s == 0 ? TASK_WEIGHT : s});
  core.container_iter(cont, [&](task_struct* t) {
    absl::MutexLock l(&t->alloc_lock);
    if (t->zombie || (t->flags & PF_EXITING) || !wanted(t, kind)) return;
    out.tasks.push_back({t->pid, t->tgid, t->real, index, t->cpus_allowed, t});
  });
  for (const container* child : cont->children) walk(core, child, index, shares, kind, out);
}

}  // namespace

share_snapshot take_snapshot(kernel& k, const shares_fn& shares, task_kind kind) {
  container_core& core = k.containers();
  share_snapshot out;
  absl::MutexLock l(&core.container_mutex);
  const containerfs_root* root = core.subsys(cpu_subsys_id)->root;
  const container* top = root != nullptr ? &root->top_container : core.dummytop();
  walk(core, top, -1, shares, kind, out);
  return out;
}

}  // namespace uk::sched
