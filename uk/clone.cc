// container_clone(): the ns subsystem's hook into clone/unshare with namespace flags
// (the patch's container_clone): a child container "node_<pid>" of the task's
// container, made as mkdir would, then the task moved into it.
#include "absl/strings/str_cat.h"
#include "uk/container_core.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/dentry.h"
#include "vfs/namei.h"
#include "vfs/super.h"

namespace uk {

Errno container_core::container_clone(task_struct* tsk, container_subsys* ss) {
  container_mutex.Lock();
  while (true) {
    containerfs_root* root = ss->root;
    if (root == &rootnode_) {
      // "Not cloning container for unused subsystem": nothing to do.
      container_mutex.Unlock();
      return kOk;
    }
    container* parent = task_container(tsk, ss->subsys_id);
    std::string name = absl::StrCat("node_", tsk->pid);
    // Pin the hierarchy and the task's group while the mutex is dropped for mkdir.
    std::shared_ptr<super_block> sb = root->sb_owner;
    sb->s_active.fetch_add(1);
    css_group* cg;
    {
      absl::MutexLock l(&tsk->alloc_lock);
      cg = tsk->containers;
      get_css_group(cg);
    }
    std::shared_ptr<dentry> dir = parent->dentry->shared_from_this();
    container_mutex.Unlock();

    auto child_dentry = vfs_mkdir(dir, name, 0755);
    put_css_group(cg);

    // The check and the move happen under one hold of container_mutex (the patch holds
    // the parent's i_mutex across the whole clone), so no tasks write, rmdir or
    // remount can come between them; the pin on the hierarchy is dropped only after.
    container_mutex.Lock();
    bool changed =
        child_dentry.ok() && (ss->root != root || task_container(tsk, ss->subsys_id) != parent ||
                              __d_cont(child_dentry.value().get())->removed());
    Errno err;
    if (child_dentry.ok() && !changed) {
      container* child = __d_cont(child_dentry.value().get());
      for (container_subsys* s : root->subsys_list) s->post_clone(child);
      // Fails like a tasks write would; the empty directory stays behind.
      err = attach_task(child, tsk);
    }
    container_mutex.Unlock();
    deactivate_super(*sb);
    if (!child_dentry.ok()) return child_dentry.error();
    if (!changed) return err;
    // The patch leaks the new directory and tries again.
    container_mutex.Lock();
  }
}

}  // namespace uk
