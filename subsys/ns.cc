// The ns subsystem (2.6.24 kernel/ns_cgroup.c): one child container per
// namespace-creation event (container_clone from clone/unshare names it
// "node_<pid>"), so the containers form the tree of namespace sets. No control files.
//
// Rules, as the patch states them:
//   create: the caller must be capable(CAP_SYS_ADMIN) and the new container must lie
//           below the caller's own ns container; else EPERM.
//   can_attach: moving another task needs CAP_SYS_ADMIN and a destination below the
//           caller's container; in every case the destination must be empty
//           (count == 0) and a child of the task's current ns container; else EPERM.
//           So a task only ever moves one level down, never back up.
//
// `current` is null when the kernel itself acts outside a system call (boot,
// kernel::do_fork called directly by a test or the launcher): that is kernel context,
// which holds every capability and sees every container, as a kernel thread would.
#include <memory>

#include "subsys/subsystems.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/kernel.h"
#include "uk/task.h"

namespace uk {

namespace {

class ns_subsys final : public container_subsys {
 public:
  explicit ns_subsys(kernel& k) : container_subsys(k, "ns", ns_subsys_id), core_(k.containers()) {}

  // ns_create().
  Errno create(container* cont) override {
    if (cont->parent != nullptr) {  // not the boot-time root state
      core_.container_mutex.AssertHeld();
      task_struct* me = current_task();
      if (me != nullptr) {
        if (!me->capable()) return Errno(EPERM);
        if (!core_.container_is_descendant(cont->parent, me)) return Errno(EPERM);
      }
    }
    cont->install_css(subsys_id, std::make_unique<container_subsys_state>());
    return kOk;
  }

  void destroy(container* cont) override { cont->free_css(subsys_id); }

  // ns_can_attach().
  Errno can_attach(container* cont, task_struct* tsk) override {
    core_.container_mutex.AssertHeld();
    task_struct* me = current_task();
    if (me != nullptr && me != tsk) {
      if (!me->capable()) return Errno(EPERM);
      if (!core_.container_is_descendant(cont, me)) return Errno(EPERM);
    }
    if (cont->count.load() != 0) return Errno(EPERM);
    container* orig = core_.task_container(tsk, subsys_id);
    if (orig != nullptr && orig != cont->parent) return Errno(EPERM);
    return kOk;
  }

 private:
  container_core& core_;
};

}  // namespace

std::unique_ptr<container_subsys> ns_subsys_create(kernel& k) {
  return std::make_unique<ns_subsys>(k);
}

}  // namespace uk
