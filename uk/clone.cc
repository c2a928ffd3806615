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

    container_mutex.Lock();
    bool changed = ss->root != root || task_container(tsk, ss->subsys_id) != parent;
    container_mutex.Unlock();
    put_css_group(cg);
    deactivate_super(*sb);
    container_mutex.Lock();
    if (!child_dentry.ok()) {
      container_mutex.Unlock();
      return child_dentry.error();
    }
    if (changed) continue;  // the patch leaks the new directory and tries again
    container* child = __d_cont(child_dentry.value().get());
    for (container_subsys* s : root->subsys_list) s->post_clone(child);
    // Fails like a tasks write would; the empty directory stays behind.
    Errno err = attach_task(child, tsk);
    container_mutex.Unlock();
    return err;
  }
}

}  // namespace uk
