// The debug subsystem: read-only views of the container core's bookkeeping, for tests
// and the curious. Each flavour has its own table (container_flavour::subsys_cftypes):
//
// The patch's (V10 container_debug.c, 2.6.24 kernel/cgroup_debug.c; debug.cc), every
// file in every group, all read_uint (a write is EINVAL):
//   container_refcount          cont->count
//   taskcount                   container_task_count()
//   current_css_group           the reader's css_group address
//   current_css_group_refcount  that group's reference count
//
// Today's (kernel/cgroup/debug.c debug_legacy_files[]; debug_v1.cc), "debug." + name:
//   taskcount                  the tasks of the group's css_sets (nr_tasks)
//   current_css_set            (top only) the reader's css_set and its states
//   current_css_set_refcount   (top only) its reference count
//   current_css_set_cg_links   (top only) its group in each hierarchy
//   cgroup_css_links           the group's css_sets and their tasks
//   cgroup_subsys_states       the group's states, their ids and online counts
//   cgroup_masks               subtree_control and subtree_ss_mask
//   releasable                 1 if no task and no child is in the group
// The kernel's debug controller calls these interfaces unstable; they follow 6.18's.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "uk/cftype.h"
#include "uk/container_core.h"
#include "uk/kernel.h"
#include "uk/subsystem.h"

namespace uk {

class debug_subsys final : public container_subsys {
 public:
  explicit debug_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno populate(container* cont) override;

 private:
  std::vector<cftype> v10_files();
  std::vector<cftype> legacy_files();

  container_core& core_;
  std::array<std::vector<cftype>, CFTYPE_SET_COUNT> files_;
};

}  // namespace uk
