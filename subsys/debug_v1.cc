// Today's debug files (kernel/cgroup/debug.c debug_legacy_files[]), the cgroup
// flavour's, in the kernel's order. A subsystem's number is its place in the flavour's
// subsys_order, as for_each_subsys numbers a kernel built with uk's subsystems.
//
// What differs from the kernel's text: addresses are uk's (a css_set's hashed as %pK
// hashes under kptr_restrict 0, a state's as %lx prints it), and a zombie holds no
// reference on the css_set it left (uk moves it to init_css_group at exit, as the patch
// did; today's keeps its css_set until the task is freed, an extra reference shown as
// "+1"). There are no dead or threaded css_sets: uk frees a group at its last put.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "subsys/debug.h"
#include "uk/container.h"
#include "uk/containerfs_root.h"
#include "uk/css_group.h"
#include "uk/lib.h"
#include "uk/task.h"
#include "vfs/file.h"

namespace uk {

namespace {

constexpr int MAX_TASKS_SHOWN_PER_CSS = 25;

// %pK with kptr_restrict 0 (this host's, Debian's default): ptr_to_id()'s hash of the
// address, cut to 32 bits on a 64-bit kernel and printed in 16 digits (mix64 for the
// boot-keyed siphash).
std::string hashed_pointer(const void* p) {
  return absl::StrFormat("%016x", mix64(reinterpret_cast<uintptr_t>(p)) & 0xffffffffULL);
}

// "css_set %pK %d", then " +%d" where the references exceed the tasks: the excess
// (current_css_set_read, cgroup_css_links_read).
int put_css_set_head(std::string* out, const css_group* cg) {
  int refcnt = cg->ref.load();
  int extra = refcnt - static_cast<int>(cg->tasks.size());
  absl::StrAppend(out, "css_set ", hashed_pointer(cg), " ", refcnt);
  if (extra > 0) absl::StrAppend(out, " +", extra);
  out->push_back('\n');
  return extra;
}

// "%2d: %-4s\t- %lx[%d]": a state's number, subsystem, address and id.
std::string css_line(int ssid, int subsys_id, const container_subsys_state* css) {
  return absl::StrFormat("%2d: %-4s\t- %x[%d]", ssid, container_subsys_names[subsys_id],
                         reinterpret_cast<uintptr_t>(css), css->id);
}

}  // namespace

std::vector<cftype> debug_subsys::legacy_files() {
  std::vector<cftype> files;
  // A seq_show's text, made under the locks the kernel takes; ENODEV once the group is
  // gone (cgroup_kn_lock_live).
  auto text_file = [this, &files](const char* name, unsigned flags, auto show) {
    cftype& cft = files.emplace_back();
    cft.name = name;
    cft.flags = flags;
    cft.read = [this, show](container* cont, const cftype*, file&, char* buf, size_t nbytes,
                            loff_t* ppos) -> ErrorOr<size_t> {
      std::string text;
      {
        absl::MutexLock l(&core_.container_mutex);
        if (cont->removed()) return Errno(ENODEV);
        text = show(cont);
      }
      return simple_read_from_buffer(buf, nbytes, ppos, text);
    };
  };
  // The reader's css_set (current->cgroups); init's for a reader uk has no task for.
  auto current_group = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.css_group_lock) {
    task_struct* me = current_task();
    if (me == nullptr) return core_.init_css_group();
    absl::MutexLock l(&me->alloc_lock);
    return me->containers;
  };
  auto nr_tasks = [this](const container* cont)
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex) {
                        absl::MutexLock l(&core_.css_group_lock);
                        size_t n = 0;
                        for (const cg_container_link* link : cont->css_groups)
                          n += link->cg->tasks.size();
                        return n;
                      };

  // debug_taskcount_read(): cgroup_task_count(), the sum of nr_tasks (the patch summed
  // references).
  cftype& taskcount = files.emplace_back();
  taskcount.name = "taskcount";
  taskcount.read_uint = [this, nr_tasks](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    return nr_tasks(cont);
  };

  // current_css_set_read(): the css_set, then every state it holds.
  text_file("current_css_set", CFTYPE_ONLY_ON_ROOT, [this, current_group](container* cont) {
    std::string out;
    absl::MutexLock l(&core_.css_group_lock);
    const css_group* cg = current_group();
    put_css_set_head(&out, cg);
    const auto& order = cont->root->flavour->subsys_order;
    for (size_t ssid = 0; ssid < order.size(); ssid++) {
      const container_subsys_state* css = cg->subsys[order[ssid]];
      if (css != nullptr) absl::StrAppend(&out, css_line(ssid, order[ssid], css), "\n");
    }
    return out;
  });

  cftype& refcount = files.emplace_back();
  refcount.name = "current_css_set_refcount";
  refcount.flags = CFTYPE_ONLY_ON_ROOT;
  refcount.read_uint = [this, current_group](container*, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.css_group_lock);
    return current_group()->ref.load();
  };

  // current_css_set_cg_links_read(): the css_set's group in each hierarchy, in the order
  // the links were made (link_css_set adds at the tail): the default hierarchy's first,
  // then each by its mount. Hierarchy ids only grow, so that is their order.
  text_file("current_css_set_cg_links", CFTYPE_ONLY_ON_ROOT, [this, current_group](container*) {
    std::vector<std::pair<int, const container*>> links;
    {
      absl::MutexLock l(&core_.css_group_lock);
      for (const auto& link : current_group()->cg_links)
        links.emplace_back(link->cont->root->hierarchy_id, link->cont);
    }
    std::stable_sort(links.begin(), links.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (const auto& [id, c] : links) {
      // cgroup_name(): the group's own name, "/" for a top.
      ErrorOr<std::string> path = core_.container_path(c);
      std::string name = path.ok() ? path.value() : "/";
      if (name != "/") name = name.substr(name.rfind('/') + 1);
      absl::StrAppend(&out, "Root ", id, " group ", name, "\n");
    }
    return out;
  });

  // cgroup_css_links_read(): each css_set linked to the group, in link order (uk lists
  // the newest first, as the patch's list_add), with its tasks in the order they joined
  // (the same); at most MAX_TASKS_SHOWN_PER_CSS + 1 of them, as the kernel's count++ <=
  // shows. The summary counts the references beyond the tasks, but init_css_set's own.
  text_file("cgroup_css_links", 0, [this](container* cont) {
    std::string out;
    int extra_refs = 0;
    absl::MutexLock l(&core_.css_group_lock);
    for (auto it = cont->css_groups.rbegin(); it != cont->css_groups.rend(); ++it) {
      const css_group* cg = (*it)->cg;
      int extra = put_css_set_head(&out, cg);
      if (extra > 0) extra_refs += cg == core_.init_css_group() ? extra - 1 : extra;
      int count = 0;
      for (auto t = cg->tasks.rbegin(); t != cg->tasks.rend(); ++t) {
        if (count++ <= MAX_TASKS_SHOWN_PER_CSS) absl::StrAppend(&out, "  task ", (*t)->pid, "\n");
      }
      if (count > MAX_TASKS_SHOWN_PER_CSS)
        absl::StrAppend(&out, "  ... (", count - MAX_TASKS_SHOWN_PER_CSS, ")\n");
    }
    if (extra_refs != 0) absl::StrAppend(&out, "\nextra references = ", extra_refs, "\n");
    return out;
  });

  // cgroup_subsys_states_read(): the group's states; online_cnt is the state's own
  // count and one for each online child (online_css, css_killed_work_fn).
  text_file("cgroup_subsys_states", 0, [](container* cont) {
    std::string out;
    const auto& order = cont->root->flavour->subsys_order;
    for (size_t ssid = 0; ssid < order.size(); ssid++) {
      const container_subsys_state* css = cont->subsys[order[ssid]];
      if (css == nullptr) continue;
      absl::StrAppend(&out, css_line(ssid, order[ssid], css), " ", 1 + cont->children.size());
      if (cont->parent != nullptr)
        absl::StrAppend(&out, " P=", cont->parent->subsys[order[ssid]]->id);
      out.push_back('\n');
    }
    return out;
  });

  // cgroup_masks_read(): on a v1 hierarchy every group's subtree_control is the
  // hierarchy's subsystems (rebind_subsystems sets the top's, cgroup_create copies the
  // parent's), and subtree_ss_mask the same (none of uk's has depends_on).
  text_file("cgroup_masks", 0, [](container* cont) {
    std::vector<const char*> names;
    for (int id : cont->root->flavour->subsys_order) {
      if (cont->root->actual_subsys_bits & (1UL << id)) names.push_back(container_subsys_names[id]);
    }
    std::string list = absl::StrJoin(names, ", ");
    return absl::StrFormat("%-17s: %s\n%-17s: %s\n", "subtree_control", list, "subtree_ss_mask",
                           list);
  });

  // releasable_read(): not populated and no online child.
  cftype& releasable = files.emplace_back();
  releasable.name = "releasable";
  releasable.read_uint = [this, nr_tasks](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    return cont->children.empty() && nr_tasks(cont) == 0;
  };
  return files;
}

}  // namespace uk
