// Boot, css_groups, queries and css refcounts of the container core
// (the patch's kernel/container.c; attach, fork/exit, clone and release live in
// their own files).
#include "uk/container_core.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/dentry.h"
#include "vfs/super.h"
#include "vfs/vfs.h"

namespace uk {

container_core::container_core(kernel& k) : kernel_(k) {
  container& top = rootnode_.top_container;
  top.root = &rootnode_;
  top.top_container = &top;
  // The dummy hierarchy is on `roots` too; it is owned by this object, never freed.
  roots.push_back(std::shared_ptr<containerfs_root>(std::shared_ptr<void>(), &rootnode_));
}

container_core::~container_core() {
  // Subsystem states of the dummy top container are freed with it; the css_groups
  // and their links go with the table.
  absl::MutexLock l(&css_group_lock);
  css_groups_.clear();
}

// container_init_early() + container_init_subsys(), run for every subsystem at boot.
void container_core::container_init_early(const subsys_registry& registry, task_struct* init_task) {
  auto init_cg = std::make_unique<css_group>();
  init_css_group_ = init_cg.get();
  init_css_group_->ref = 1;  // permanent
  {
    absl::MutexLock l(&css_group_lock);
    link_css_group(init_css_group_, dummytop());
  }
  container* top = dummytop();
  for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
    subsys_[i] = registry[i](kernel_);
    container_subsys* ss = subsys_[i].get();
    // The patch BUG()s on these; they are programming errors, not input.
    UK_CHECK(ss != nullptr);
    UK_CHECK(ss->name != nullptr && ss->name[0] != '\0');
    UK_CHECK(std::strlen(ss->name) <= MAX_CONTAINER_TYPE_NAMELEN);
    UK_CHECK(std::strcmp(ss->name, container_subsys_names[i]) == 0);
    UK_CHECK(ss->subsys_id == i);
    ss->root = &rootnode_;
    UK_CHECK(ss->create(top).ok());
    container_subsys_state* css = top->subsys[i];
    UK_CHECK(css != nullptr && css->container == top);
    css->flags |= 1UL << CSS_ROOT;
    css->id = CSS_ROOT_ID;
    init_css_group_->subsys[i] = css;
    need_forkexit_callback_ |= ss->has_fork_callback || ss->has_exit_callback;
  }
  {
    absl::MutexLock l(&css_group_lock);
    css_groups_.emplace(init_css_group_->key(), std::move(init_cg));
  }
  if (init_task != nullptr) {
    get_css_group(init_css_group_);
    {
      absl::MutexLock l(&init_task->alloc_lock);
      init_task->containers = init_css_group_;
    }
    container_post_fork(init_task);
    // 2.6.24 calls every fork hook for the threads that exist at boot.
    container_fork_callbacks(init_task);
  }
  for (auto& ss : subsys_) ss->active = 1;
}

void container_core::container_shutdown() {
  std::vector<std::shared_ptr<super_block>> sbs;
  {
    absl::MutexLock l(&container_mutex);
    for (auto& root : roots) {
      if (root->sb_owner) sbs.push_back(std::move(root->sb_owner));
    }
  }
  for (auto& sb : sbs) kill_litter_super(*sb);
}

size_t container_core::css_group_count() {
  absl::MutexLock l(&css_group_lock);
  return css_groups_.size();
}

void container_core::link_css_group(css_group* cg, container* cont) {
  auto link = std::make_unique<cg_container_link>();
  link->cont = cont;
  link->cg = cg;
  cont->css_groups.push_front(link.get());
  link->cont_link_list = cont->css_groups.begin();
  cg->cg_links.push_back(std::move(link));
}

// find_css_set(): the template takes `cont`'s state for the subsystems of its
// hierarchy and oldcg's for every other; an identical existing group is shared. A
// subsystem-less hierarchy is told by the `named` entries instead (css_group_key).
css_group* container_core::find_css_group(css_group* oldcg, container* cont) {
  css_group_key tmpl;
  for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
    tmpl.subsys[i] = subsys_[i]->root == cont->root ? cont->subsys[i] : oldcg->subsys[i];
  }
  tmpl.named = oldcg->named;
  if (cont->root->subsys_list.empty() && cont->root != &rootnode_) {
    auto& n = tmpl.named;
    n.erase(
        std::remove_if(n.begin(), n.end(), [cont](container* c) { return c->root == cont->root; }),
        n.end());
    if (cont->parent != nullptr) {
      n.insert(std::upper_bound(n.begin(), n.end(), cont,
                                [](const container* a, const container* b) {
                                  return std::less<const containerfs_root*>()(a->root, b->root);
                                }),
               cont);
    }
  }
  absl::MutexLock l(&css_group_lock);
  if (auto it = css_groups_.find(tmpl); it != css_groups_.end()) {
    get_css_group(it->second.get());
    return it->second.get();
  }
  auto cg = std::make_unique<css_group>();
  cg->ref = 1;
  cg->subsys = tmpl.subsys;
  cg->named = tmpl.named;
  for (container_subsys_state* css : tmpl.subsys) css->container.load()->count.fetch_add(1);
  for (container* c : tmpl.named) c->count.fetch_add(1);
  // One link per hierarchy: to the container of its first subsystem, of its `named`
  // entry, or its top.
  for (const auto& root : roots)
    link_css_group(cg.get(), css_group_container(cg.get(), root.get()));
  css_group* raw = cg.get();
  css_groups_.emplace(std::move(tmpl), std::move(cg));
  return raw;
}

container* container_core::css_group_container(const css_group* cg, const containerfs_root* root) {
  if (!root->subsys_list.empty())
    return cg->subsys[root->subsys_list.front()->subsys_id]->container;
  for (container* c : cg->named) {
    if (c->root == root) return c;
  }
  return const_cast<container*>(&root->top_container);
}

void container_core::free_css_group(css_group* cg) {
  for (auto& link : cg->cg_links) link->cont->css_groups.erase(link->cont_link_list);
  css_groups_.erase(cg->key());  // frees cg
}

// put_css_set() / put_css_set_taskexit(): the last reference unlinks the group, and
// every container whose count reaches 0 may become releasable.
void container_core::put_css_group_(css_group* cg, bool taskexit) {
  int v = cg->ref.load(std::memory_order_relaxed);
  while (v > 1) {
    if (cg->ref.compare_exchange_weak(v, v - 1, std::memory_order_acq_rel)) return;
  }
  // Possibly the last reference: decide under the lock (atomic_dec_and_lock).
  absl::MutexLock l(&css_group_lock);
  if (cg->ref.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::vector<container*> conts;
  for (container_subsys_state* css : cg->subsys) conts.push_back(css->container);
  conts.insert(conts.end(), cg->named.begin(), cg->named.end());
  free_css_group(cg);
  for (container* cont : conts) {
    if (cont->count.fetch_sub(1) == 1 && cont->notify_on_release()) {
      if (taskexit) cont->set_flag(CONT_RELEASABLE);
      // Under css_group_lock: rmdir checks `count` under it too, so `cont` is alive.
      check_for_release(cont);
    }
  }
}

void container_core::link_all_css_groups(container* top) {
  absl::MutexLock l(&css_group_lock);
  for (auto& [key, cg] : css_groups_) link_css_group(cg.get(), top);
}

void container_core::unlink_all_css_groups(container* top) {
  absl::MutexLock l(&css_group_lock);
  for (cg_container_link* link : top->css_groups) {
    auto& links = link->cg->cg_links;
    links.erase(std::find_if(links.begin(), links.end(),
                             [link](const auto& p) { return p.get() == link; }));
  }
  top->css_groups.clear();
}

// rebind_subsystems(): every requested subsystem must be free or already ours, and
// no child may exist; then the root states move and bind() is told.
Errno container_core::rebind_subsystems(containerfs_root* root, unsigned long final_bits) {
  unsigned long added = final_bits & ~root->actual_subsys_bits;
  unsigned long removed = root->actual_subsys_bits & ~final_bits;
  for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
    if ((added & (1UL << i)) && subsys_[i]->root != &rootnode_) return Errno(EBUSY);
  }
  // Children would have states of the subsystems being moved.
  if (!root->top_container.children.empty()) return Errno(EBUSY);

  container* cont = &root->top_container;
  container* dummy = dummytop();
  for (int i = 0; i < CONTAINER_SUBSYS_COUNT; i++) {
    container_subsys* ss = subsys_[i].get();
    unsigned long bit = 1UL << i;
    if (added & bit) {
      cont->subsys[i] = dummy->subsys[i];
      cont->subsys[i]->container = cont;
      root->subsys_list.push_front(ss);
      ss->root = root;
      ss->bind(cont);
    } else if (removed & bit) {
      ss->bind(dummy);
      dummy->subsys[i]->container = dummy;
      cont->subsys[i] = nullptr;
      root->subsys_list.remove(ss);
      ss->root = &rootnode_;
    }
  }
  root->subsys_bits = root->actual_subsys_bits = final_bits;
  return kOk;
}

ErrorOr<std::string> container_core::container_path(const container* cont) {
  if (cont->parent == nullptr) return std::string("/");
  std::vector<std::string_view> names;
  std::string out;
  absl::MutexLock l(&kernel_.vfs().dcache_lock);  // dentry names change on rename
  for (const container* c = cont; c->parent != nullptr; c = c->parent) {
    if (c->dentry == nullptr) return Errno(ENOENT);
    names.push_back(c->dentry->d_name);
  }
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    out += '/';
    out += *it;
  }
  if (out.size() >= PATH_MAX) return Errno(ENAMETOOLONG);
  return out;
}

container* container_core::task_container(task_struct* tsk, int subsys_id) {
  absl::MutexLock l(&tsk->alloc_lock);
  return tsk->containers->subsys[subsys_id]->container;
}

container* container_core::task_container_in(task_struct* tsk, const containerfs_root* root) {
  if (root == &rootnode_) return &rootnode_.top_container;
  absl::MutexLock l(&tsk->alloc_lock);
  return css_group_container(tsk->containers, root);
}

bool container_core::container_is_descendant(const container* cont, task_struct* tsk) {
  const container* mine = task_container_in(tsk, cont->root);
  for (const container* c = cont; c != nullptr; c = c->parent) {
    if (c == mine) return true;
  }
  return false;
}

int container_core::container_task_count(const container* cont) {
  absl::MutexLock l(&css_group_lock);
  int count = 0;
  for (const cg_container_link* link : cont->css_groups) count += link->cg->ref.load();
  return count;
}

void container_core::commit_point() const { entry_commit(kernel_.recorder()); }

bool container_core::container_iter(const container* cont,
                                    const std::function<void(task_struct*)>& fn) {
  absl::MutexLock l(&css_group_lock);
  commit_point();  // the members as attach, fork, exit and rmdir left them
  if (cont->test_flag(CONT_UNLINKED)) return false;
  for (const cg_container_link* link : cont->css_groups) {
    for (task_struct* t : link->cg->tasks) fn(t);
  }
  return true;
}

void container_core::css_get(container_subsys_state* css) {
  if (!(css->flags & (1UL << CSS_ROOT))) css->refcnt.fetch_add(1);
}

// __css_put(): the last pin on a notify_on_release container makes it releasable.
void container_core::css_put(container_subsys_state* css) {
  if (css->flags & (1UL << CSS_ROOT)) return;
  container* cont = css->container;
  if (css->refcnt.fetch_sub(1) == 1 && cont->notify_on_release()) {
    cont->set_flag(CONT_RELEASABLE);
    check_for_release(cont);
  }
}

std::vector<int> container_core::subsys_listed(const container_flavour& flavour,
                                               unsigned long bits) {
  std::vector<int> ids;
  for (int id : flavour.subsys_order) {
    if (bits & (1UL << id)) ids.push_back(id);
  }
  for (int id = 0; id < CONTAINER_SUBSYS_COUNT; id++) {
    if ((bits & (1UL << id)) && std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
    }
  }
  return ids;
}

// proc_container_show() (2.6.24 proc_cgroup_show): "names:path" per hierarchy; the
// cgroup flavour's (proc_cgroup_show of cgroup v1): "id:names[,name=X]:path".
std::string container_core::proc_container_show(task_struct* tsk,
                                                const container_flavour& flavour) {
  absl::MutexLock l(&container_mutex);
  std::string out;
  for (const auto& root : roots) {
    if (root.get() == &rootnode_) continue;
    std::vector<std::string> names;
    if (flavour.subsys_order.empty()) {
      for (container_subsys* ss : root->subsys_list) names.push_back(ss->name);
    } else {
      for (int id : subsys_listed(flavour, root->actual_subsys_bits)) {
        names.push_back(subsys(id)->name);
      }
    }
    if (!root->name.empty()) names.push_back("name=" + root->name);
    auto path = container_path(task_container_in(tsk, root.get()));
    if (flavour.hierarchy_ids) absl::StrAppend(&out, root->hierarchy_id, ":");
    absl::StrAppend(&out, absl::StrJoin(names, ","), ":", path.ok() ? path.value() : "", "\n");
  }
  return out;
}

// proc_containerstats_show() (2.6.24 proc_cgroupstats_show); the cgroup flavour's
// has the hierarchy id (0 when unbound) and an `enabled` column, and lists only its
// own subsystems (cgroupstats_show: for_each_subsys).
std::string container_core::proc_containerstats_show(const container_flavour& flavour) {
  absl::MutexLock l(&container_mutex);
  if (!flavour.hierarchy_ids) {
    std::string out = "#subsys_name\thierarchy\tnum_containers\n";
    for (const auto& ss : subsys_) {
      absl::StrAppend(&out, ss->name, "\t", ss->root->subsys_bits, "\t",
                      ss->root->number_of_containers, "\n");
    }
    return out;
  }
  std::string out = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n";
  for (int id : flavour.subsys_order) {
    const container_subsys& ss = *subsys_[id];
    absl::StrAppend(&out, ss.name, "\t", ss.root->hierarchy_id, "\t", ss.root->number_of_containers,
                    "\t1\n");
  }
  return out;
}

std::string container_core::proc_cpuset_show(task_struct* tsk) {
  absl::MutexLock l(&container_mutex);
  auto path = container_path(task_container(tsk, cpuset_subsys_id));
  return (path.ok() ? path.value() : std::string("/")) + "\n";
}

}  // namespace uk
