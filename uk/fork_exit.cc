// The fork and exit hooks of the container core (the patch's container_fork,
// container_fork_callbacks, container_post_fork, container_exit). They take no
// container lock: only task_lock and css_group_lock.
#include "uk/container_core.h"
#include "uk/task.h"

namespace uk {

// The child shares its parent's css_group.
void container_core::container_fork(task_struct* parent, task_struct* child) {
  absl::MutexLock l(&parent->alloc_lock);
  child->containers = parent->containers;
  get_css_group(child->containers);
  child->cg_list_linked = false;
}

// Every fork hook, bound or not, in subsys_id order, before the child is visible.
void container_core::container_fork_callbacks(task_struct* child) {
  if (!need_forkexit_callback_) return;
  for (auto& ss : subsys_) {
    if (ss->has_fork_callback) ss->fork(child);
  }
}

// Links the child into its group's task list (it may have been attached since
// container_fork, so the group is read again under the locks).
void container_core::container_post_fork(task_struct* child) {
  absl::MutexLock cl(&css_group_lock);
  absl::MutexLock l(&child->alloc_lock);
  if (child->cg_list_linked || (child->flags & PF_EXITING)) return;
  child->containers->tasks.push_front(child);
  child->cg_list = child->containers->tasks.begin();
  child->cg_list_linked = true;
}

void container_core::container_exit(task_struct* tsk, bool run_callbacks) {
  if (run_callbacks && need_forkexit_callback_) {
    for (auto& ss : subsys_) {
      if (ss->has_exit_callback) ss->exit(tsk);
    }
  }
  css_group* cg;
  {
    absl::MutexLock cl(&css_group_lock);
    absl::MutexLock l(&tsk->alloc_lock);
    if (tsk->cg_list_linked) {
      tsk->containers->tasks.erase(tsk->cg_list);
      tsk->cg_list_linked = false;
    }
    // The "top container hack": the zombie is in every hierarchy's root. As in the
    // patch it takes no reference on init_css_group: nothing would ever drop it
    // (release_task frees the task), and the permanent one keeps the group.
    cg = tsk->containers;
    tsk->containers = init_css_group_;
  }
  put_css_group_taskexit(cg);
}

}  // namespace uk
