// struct css_group: the shared, immutable vector of container_subsys_state pointers
// that a task points at (V10 css_group; 2.6.24 css_set). Tasks with the same
// memberships in every hierarchy share one; found and shared as find_css_set() does.
//
// Ownership: the container_core's css_group table owns every css_group; `ref` counts
// the tasks pointing at it plus transient references, and the group is freed when it
// drops to 0 (init_css_group holds one permanent extra reference). Each link
// (cg_container_link) is owned by its css_group and listed on its container.
// Guarded by container_core::css_group_lock: the table, `tasks`, the links.
#pragma once

#include <array>
#include <atomic>
#include <list>
#include <memory>
#include <vector>

#include "uk/subsystem.h"

namespace uk {

struct container;
struct container_subsys_state;
struct css_group;
struct task_struct;

using css_array = std::array<container_subsys_state*, CONTAINER_SUBSYS_COUNT>;

// A lattice node: on the container's css_groups list and on the css_group's cg_links.
struct cg_container_link {
  container* cont = nullptr;
  css_group* cg = nullptr;
  std::list<cg_container_link*>::iterator cont_link_list;  // position in cont->css_groups
};

// Hierarchies without subsystems (the cgroup flavour's `none,name=X`) have no css to
// tell a group's container there, so a group also names, for each such hierarchy
// whose top it is not in, that container: sorted by hierarchy (containerfs_root
// address), top containers left out, so one membership has one spelling. Together
// with the css array this is the group's identity (the table key).
struct css_group_key {
  css_array subsys{};
  std::vector<container*> named;

  bool operator==(const css_group_key& o) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const css_group_key& k) {
    return H::combine(H::combine_contiguous(std::move(h), k.subsys.data(), k.subsys.size()),
                      k.named);
  }
};

struct css_group {
  std::atomic<int> ref{0};        // kref
  std::list<task_struct*> tasks;  // via task_struct::cg_list
  std::vector<std::unique_ptr<cg_container_link>> cg_links;
  css_array subsys{};  // immutable after creation (except init_css_group at boot)
  // Containers of subsystem-less hierarchies (css_group_key::named); immutable.
  std::vector<container*> named;

  css_group_key key() const { return {subsys, named}; }
};

}  // namespace uk
