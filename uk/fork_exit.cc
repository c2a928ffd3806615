// The fork and exit hooks of the container core (the patch's container_fork,
// container_fork_callbacks, container_post_fork, container_exit, and Linux 4.3's
// cgroup_can_fork). They take no container lock: only task_lock and css_group_lock
// (a subsystem's can_fork may take container_mutex itself: nothing is held).
#include "uk/container_core.h"
#include "uk/task.h"

namespace uk {

// The child shares its parent's css_group.
void container_core::container_fork(task_struct* parent, task_struct* child) {
  css_group* cg;
  {
    absl::MutexLock l(&parent->alloc_lock);
    commit_point();  // the parent's containers as attach left them
    cg = parent->containers;
    get_css_group(cg);  // under the parent's lock: attach cannot drop it meanwhile
  }
  absl::MutexLock l(&child->alloc_lock);
  child->containers = cg;
  child->cg_list_linked = false;
}

// cgroup_can_fork() (Linux 4.3): every has_can_fork subsystem in subsys_id order; on
// the first refusal the ones before it are cancelled in reverse order.
Errno container_core::container_can_fork(task_struct* child) {
  for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
    container_subsys* ss = subsys_[i].get();
    if (!ss->has_can_fork) continue;
    Errno err = ss->can_fork(child);
    if (err.ok()) continue;
    for (int j = i - 1; j >= 0; j--) {
      if (subsys_[j]->has_can_fork) subsys_[j]->cancel_fork(child);
    }
    return err;
  }
  return kOk;
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
// Then the has_can_fork subsystems' post_fork, once the child counts as a member.
void container_core::container_post_fork(task_struct* child) {
  {
    absl::MutexLock cl(&css_group_lock);
    absl::MutexLock l(&child->alloc_lock);
    if (!child->cg_list_linked && !(child->flags & PF_EXITING)) {
      child->containers->tasks.push_front(child);
      child->cg_list = child->containers->tasks.begin();
      child->cg_list_linked = true;
    }
  }
  for (auto& ss : subsys_) {
    if (ss->has_can_fork) ss->post_fork(child);
  }
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

// cgroup_release(): the subsystems' release callbacks for a reaped zombie.
void container_core::container_release(task_struct* tsk) {
  for (auto& ss : subsys_) {
    if (ss->has_release_callback) ss->release(tsk);
  }
}

}  // namespace uk
