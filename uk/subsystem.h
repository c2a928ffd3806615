// struct container_subsys: the table of hooks through which a subsystem (cpuset,
// cpuacct, ...) takes part in containers. The core knows nothing of CPUs or memory.
//
// Callbacks are virtuals named and ordered as in the patch; required ones are pure,
// optional ones do nothing. `this` is the patch's `ss` argument. The calling context of
// each (what is held, when) follows 2.6.24 kernel/cgroup.c, listed per callback.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "uk/cftype.h"
#include "vfs/errno.h"

namespace uk {

struct container;
struct containerfs_root;
struct task_struct;
class kernel;

#define SUBSYS(x) x##_subsys_id,
enum container_subsys_id {
#include "uk/container_subsys.h"
  CONTAINER_SUBSYS_COUNT
};
#undef SUBSYS

// MAX_CONTAINER_TYPE_NAMELEN (2.6.24 MAX_CGROUP_TYPE_NAMELEN).
inline constexpr size_t MAX_CONTAINER_TYPE_NAMELEN = 32;

class container_subsys {
 public:
  container_subsys(kernel& k, const char* name, int subsys_id)
      : name(name), subsys_id(subsys_id), kernel_(k) {}
  virtual ~container_subsys() = default;

  // mkdir (container_mutex + parent i_mutex held), and once at boot for the dummy
  // top container (cont->parent == null). V10: returns 0 or an errno and installs the
  // new state itself with cont->install_css(); an error aborts the mkdir.
  virtual Errno create(container* cont) = 0;
  // rmdir after every check passed, or a failed mkdir's unwinding
  // (container_mutex held). Frees the state (cont->free_css()).
  virtual void destroy(container* cont) = 0;
  // Before a task moves in (tasks write, container_clone; container_mutex held). The
  // first error aborts the move and is what write() returns. Not called on fork.
  virtual Errno can_attach(container* cont, task_struct* tsk) { return kOk; }
  // After the task's css_group was switched (container_mutex held). Cannot fail.
  virtual void attach(container* cont, container* old_cont, task_struct* tsk) {}
  // A simulated fork, after container_fork (the child carries its parent's
  // css_group) and before the fork hooks; no lock held. An error refuses the fork:
  // earlier subsystems get cancel_fork, the child never becomes a task, and do_fork
  // returns the error. Linux 4.3's cgroup_can_fork (2.6.24 had no way to refuse a
  // fork), for pids. Only called for subsystems that set has_can_fork; never for a
  // real task, which the host has already forked (uk-run asks in its fork trap).
  virtual Errno can_fork(task_struct* child) { return kOk; }
  // A later subsystem refused the fork this one admitted (cgroup_cancel_fork).
  virtual void cancel_fork(task_struct* child) {}
  // Every fork, bound or not, before the child is visible (no lock). Only called for
  // subsystems that set has_fork_callback.
  virtual void fork(task_struct* task) {}
  // After the child joined its css_group's task list (container_post_fork), for
  // subsystems that set has_can_fork: what can_fork reserved is counted by the task
  // itself from now on. No container lock held.
  virtual void post_fork(task_struct* child) {}
  // Every exit (and a fork's error path), no lock. Only with has_exit_callback.
  virtual void exit(task_struct* task) {}
  // release_task(): the zombie is reaped (today's cgroup_subsys::release, which
  // cgroup_release() calls; 2.6.24 has none). No lock. Only with has_release_callback.
  virtual void release(task_struct* task) {}
  // After a directory was made (mkdir, or a root being mounted/remounted): add the
  // control files with container_add_files(). Errors are ignored by the caller.
  virtual Errno populate(container* cont) { return kOk; }
  // container_clone(): after the new child exists, before the task is attached.
  virtual void post_clone(container* cont) {}
  // The subsystem moves between the dummy hierarchy and a real one's root; `root` is
  // the destination top container (dummytop when unbinding).
  virtual void bind(container* root) {}

  const char* const name;
  const int subsys_id;
  bool has_fork_callback = false;
  bool has_can_fork = false;  // can_fork, cancel_fork, post_fork
  bool has_exit_callback = false;
  bool has_release_callback = false;
  int active = 0;
  int early_init = 0;
  containerfs_root* root = nullptr;  // the hierarchy it is bound to (rootnode when unbound)

  kernel& k() const { return kernel_; }

 private:
  kernel& kernel_;
};

// What subsys/ hands to the kernel at boot: one factory per SUBSYS() line, in order.
using subsys_factory = std::unique_ptr<container_subsys> (*)(kernel& k);
using subsys_registry = std::array<subsys_factory, CONTAINER_SUBSYS_COUNT>;

// The SUBSYS() names in id order, for those who need them without a subsystem.
extern const std::array<const char*, CONTAINER_SUBSYS_COUNT> container_subsys_names;

}  // namespace uk
