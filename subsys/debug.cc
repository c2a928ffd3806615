// The debug subsystem's state and the patch's files (2.6.24 kernel/cgroup_debug.c);
// today's are in debug_v1.cc.
#include "subsys/debug.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "subsys/subsystems.h"
#include "uk/container.h"
#include "uk/containerfs.h"
#include "uk/css_group.h"
#include "uk/task.h"

namespace uk {

debug_subsys::debug_subsys(kernel& k)
    : container_subsys(k, "debug", debug_subsys_id), core_(k.containers()) {
  files_[CFTYPES_V10] = v10_files();
  files_[CFTYPES_LEGACY] = legacy_files();
}

std::vector<cftype> debug_subsys::v10_files() {
  std::vector<cftype> files(4);
  files[0].name = "container_refcount";
  files[0].read_uint = [](container* cont, const cftype*) -> uint64_t {
    return cont->count.load();
  };
  files[1].name = "taskcount";
  // 2.6.24 takes cgroup_lock around cgroup_task_count(); container_task_count takes
  // css_group_lock, which nests inside container_mutex.
  files[1].read_uint = [this](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    return core_.container_task_count(cont);
  };
  files[2].name = "current_css_group";
  files[2].read_uint = [](container*, const cftype*) -> uint64_t {
    task_struct* me = current_task();
    if (me == nullptr) return 0;
    absl::MutexLock l(&me->alloc_lock);
    return reinterpret_cast<uintptr_t>(me->containers);
  };
  files[3].name = "current_css_group_refcount";
  files[3].read_uint = [](container*, const cftype*) -> uint64_t {
    task_struct* me = current_task();
    if (me == nullptr) return 0;
    // The group stays alive while the task points at it, i.e. under task_lock.
    absl::MutexLock l(&me->alloc_lock);
    return me->containers->ref.load();
  };
  return files;
}

Errno debug_subsys::create(container* cont) {
  cont->install_css(subsys_id, std::make_unique<container_subsys_state>());
  return kOk;
}

void debug_subsys::destroy(container* cont) { cont->free_css(subsys_id); }

Errno debug_subsys::populate(container* cont) {
  return container_add_files(cont, this, files_[cont->root->flavour->subsys_cftypes]);
}

std::unique_ptr<container_subsys> debug_subsys_create(kernel& k) {
  return std::make_unique<debug_subsys>(k);
}

}  // namespace uk
