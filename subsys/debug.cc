// The debug subsystem (2.6.24 kernel/cgroup_debug.c): read-only views of the
// container core's counts, for tests and the curious.
//
// Files (V10 literal names; the cgroup flavour prefixes "debug." to the 2.6.24 name
// in parentheses), all read_uint, so a write is EINVAL:
//   container_refcount          (cgroup_refcount)          cont->count
//   taskcount                                              container_task_count()
//   current_css_group           (current_css_set)          the reader's css_group address
//   current_css_group_refcount  (current_css_set_refcount) that group's reference count
#include <cstdint>
#include <memory>
#include <vector>

#include "subsys/subsystems.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/containerfs.h"
#include "uk/css_group.h"
#include "uk/kernel.h"
#include "uk/task.h"

namespace uk {

namespace {

class debug_subsys final : public container_subsys {
 public:
  explicit debug_subsys(kernel& k)
      : container_subsys(k, "debug", debug_subsys_id), core_(k.containers()) {
    files_.resize(4);
    files_[0].name = "container_refcount";
    files_[0].cgroup_name = "cgroup_refcount";
    files_[0].read_uint = [](container* cont, const cftype*) -> uint64_t {
      return cont->count.load();
    };
    files_[1].name = "taskcount";
    // 2.6.24 takes cgroup_lock around cgroup_task_count(); container_task_count takes
    // css_group_lock, which nests inside container_mutex.
    files_[1].read_uint = [this](container* cont, const cftype*) -> uint64_t {
      absl::MutexLock l(&core_.container_mutex);
      return core_.container_task_count(cont);
    };
    files_[2].name = "current_css_group";
    files_[2].cgroup_name = "current_css_set";
    files_[2].read_uint = [](container*, const cftype*) -> uint64_t {
      task_struct* me = current_task();
      if (me == nullptr) return 0;
      absl::MutexLock l(&me->alloc_lock);
      return reinterpret_cast<uintptr_t>(me->containers);
    };
    files_[3].name = "current_css_group_refcount";
    files_[3].cgroup_name = "current_css_set_refcount";
    files_[3].read_uint = [](container*, const cftype*) -> uint64_t {
      task_struct* me = current_task();
      if (me == nullptr) return 0;
      // The group stays alive while the task points at it, i.e. under task_lock.
      absl::MutexLock l(&me->alloc_lock);
      return me->containers->ref.load();
    };
  }

  Errno create(container* cont) override {
    cont->install_css(subsys_id, std::make_unique<container_subsys_state>());
    return kOk;
  }
  void destroy(container* cont) override { cont->free_css(subsys_id); }
  Errno populate(container* cont) override { return container_add_files(cont, this, files_); }

 private:
  container_core& core_;
  std::vector<cftype> files_;
};

}  // namespace

std::unique_ptr<container_subsys> debug_subsys_create(kernel& k) {
  return std::make_unique<debug_subsys>(k);
}

}  // namespace uk
