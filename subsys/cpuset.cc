#include "subsys/cpuset.h"

#include <string>
#include <utility>
#include <vector>

#include "subsys/subsystems.h"
#include "uk/container_flavour.h"
#include "uk/containerfs.h"
#include "uk/containerfs_root.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "uk/task.h"
#include "uk/topology.h"

namespace uk {

namespace {}  // namespace

cpuset_subsys::cpuset_subsys(kernel& k)
    : container_subsys(k, "cpuset", cpuset_subsys_id), core_(k.containers()) {
  early_init = 1;
  has_fork_callback = true;  // real children into their host cpuset
  // cpuset_populate()'s order.
  const std::pair<const char*, int> names[] = {
      {"cpus", FILE_CPULIST},
      {"mems", FILE_MEMLIST},
      {"cpu_exclusive", FILE_CPU_EXCLUSIVE},
      {"mem_exclusive", FILE_MEM_EXCLUSIVE},
      {"memory_migrate", FILE_MEMORY_MIGRATE},
      {"sched_load_balance", FILE_SCHED_LOAD_BALANCE},
      {"memory_pressure", FILE_MEMORY_PRESSURE},
      {"memory_spread_page", FILE_SPREAD_PAGE},
      {"memory_spread_slab", FILE_SPREAD_SLAB},
  };
  cpuset_cftypes& v10 = cftypes_[CFTYPES_V10];
  for (const auto& [name, kind] : names) v10.files.push_back(make_file(name, kind));
  v10.root_files.push_back(make_file("memory_pressure_enabled", FILE_MEMORY_PRESSURE_ENABLED));
  v10.hotplug_update_tasks = &cpuset_subsys::hotplug_update_tasks;
  cftypes_[CFTYPES_LEGACY] = cpuset1_files();

  k.topo().register_hotplug_notifier([this] { hotplug(); });
}

cftype cpuset_subsys::make_file(const char* name, int kind) {
  cftype cft;
  cft.name = name;
  cft.private_ = kind;
  cft.read = [this](container* cont, const cftype* cft, file&, char* buf, size_t nbytes,
                    loff_t* ppos) { return file_read(cont, cft, buf, nbytes, ppos); };
  cft.write = [this](container* cont, const cftype* cft, file&, const char* buf, size_t nbytes,
                     loff_t*) { return file_write(cont, cft, buf, nbytes); };
  return cft;
}

// --- Callbacks ---

// cpuset_create(): the top cpuset at boot (both exclusive flags, load balanced, the
// online maps); a child starts empty, load balanced, with its parent's spread flags.
Errno cpuset_subsys::create(container* cont) {
  auto cs = std::make_unique<cpuset>();
  cs->mems_generation = mems_generation_.fetch_add(1);
  if (cont->parent == nullptr) {
    cs->f.flags =
        (1UL << CS_CPU_EXCLUSIVE) | (1UL << CS_MEM_EXCLUSIVE) | (1UL << CS_SCHED_LOAD_BALANCE);
    cs->f.cpus_allowed = k().topo().cpu_online_mask();
    cs->f.mems_allowed = k().topo().node_states(N_MEMORY);
    top_cs_ = cont->install_css(subsys_id, std::move(cs));
    return kOk;
  }
  core_.container_mutex.AssertHeld();
  const cpuset* parent = cs_of(cont->parent);
  cs->f.flags = 1UL << CS_SCHED_LOAD_BALANCE;
  if (parent->f.test(CS_SPREAD_PAGE)) cs->f.flags |= 1UL << CS_SPREAD_PAGE;
  if (parent->f.test(CS_SPREAD_SLAB)) cs->f.flags |= 1UL << CS_SPREAD_SLAB;
  cs->host_id = next_host_id_++;
  // Without its host cpuset, its tasks are bounded by observation.
  cs->on_host = host_cpusets_ != nullptr && host_cpusets_->make(cs->host_id) == 0;
  cont->install_css(subsys_id, std::move(cs));
  return kOk;
}

// cpuset_destroy(). Readers outside the container code go by callback_mutex_.
void cpuset_subsys::destroy(container* cont) {
  core_.container_mutex.AssertHeld();
  const cpuset* cs = cs_of(cont);
  if (host_cpusets* host = mirror_of(cs)) host->remove(cs->host_id);
  absl::MutexLock l(&callback_mutex_);
  cont->free_css(subsys_id);
}

Errno cpuset_subsys::populate(container* cont) {
  const cpuset_cftypes& cfts = cftypes_[cont->root->flavour->subsys_cftypes];
  UK_TRY(container_add_files(cont, this, cfts.files));
  if (cont->parent == nullptr) UK_TRY(container_add_files(cont, this, cfts.root_files));
  return kOk;
}

// cpuset_can_attach(): a task needs somewhere to run and memory to use.
Errno cpuset_subsys::can_attach(container* cont, task_struct* tsk) {
  core_.container_mutex.AssertHeld();
  const cpuset* cs = cs_of(cont);
  if (cs->f.cpus_allowed.none() || cs->f.mems_allowed.none()) return Errno(ENOSPC);
  return kOk;
}

// cpuset_attach(): the task's placement follows its new cpuset.
void cpuset_subsys::attach(container* cont, container* old_cont, task_struct* tsk) {
  core_.container_mutex.AssertHeld();
  observe_task(tsk, cs_of(old_cont));  // a request made in the old cpuset counts
  cpumask_t cpus;
  nodemask_t mems;
  {
    absl::MutexLock l(&callback_mutex_);
    cpus = guarantee_online_cpus(cs_of(cont));
    mems = guarantee_online_mems(cs_of(cont));
  }
  cpuset* cs = cs_of(cont);
  // Into its host cpuset first, where the host then places it (follow_host).
  if (host_cpusets* host = mirror_of(cs); host != nullptr && tsk->real) {
    (void)host->move(tsk->tgid, tsk->pid, cs->host_id);  // else: observed
  }
  follow_host(cs, tsk, set_cpus_allowed(cs, tsk, cpus, mems));
}

// cpuset_post_clone(): a node made by container_clone gets its parent's sets, unless
// some child of the parent is exclusive (then it stays empty and the attach that
// follows fails with ENOSPC).
void cpuset_subsys::post_clone(container* cont) {
  core_.container_mutex.AssertHeld();
  container* parent = cont->parent;
  for (const container* child : parent->children) {
    const cpuset* cs = cs_of(child);
    if (cs->f.test(CS_MEM_EXCLUSIVE) || cs->f.test(CS_CPU_EXCLUSIVE)) return;
  }
  cpuset* cs = cs_of(cont);
  const cpuset* parent_cs = cs_of(parent);
  // A host cpuset left empty only fails its attaches, which uk refuses then too (ENOSPC).
  if (host_cpusets* host = mirror_of(cs)) {
    (void)host->set_cpus(cs->host_id, parent_cs->f.cpus_allowed);
  }
  absl::MutexLock l(&callback_mutex_);
  cs->f.mems_allowed = parent_cs->f.mems_allowed;
  cs->f.cpus_allowed = parent_cs->f.cpus_allowed;
}

// cpuset_fork() copies nothing uk keeps elsewhere (do_fork copies the masks). A real
// child uk-run observed after its parent's attach (forked in between) is still in the
// parent's old host cpuset: it joins its own, as the host's fork would have put it.
void cpuset_subsys::fork(task_struct* task) {
  if (!task->real) return;
  container* cont = core_.task_container(task, subsys_id);
  absl::MutexLock l(&core_.container_mutex);
  if (root == core_.rootnode() || cont == nullptr) return;
  const cpuset* cs = cs_of(cont);
  host_cpusets* host = mirror_of(cs);
  if (host == nullptr) return;
  std::optional<uint64_t> now = host->where(task->tgid, task->pid);
  if (now == cs->host_id || (!now && cs == top_cs_)) return;        // the top: where it started
  if (host->move(task->tgid, task->pid, cs->host_id) != 0) return;  // observed
  cpumask_t inherited;
  {
    absl::MutexLock tl(&task->alloc_lock);
    inherited = task->cpus_allowed;
  }
  follow_host(cs, task, inherited);
}

// --- Placement ---

cpumask_t cpuset_subsys::guarantee_online_cpus(const cpuset* cs) {
  cpumask_t online = k().topo().cpu_online_mask();
  for (; cs != nullptr; cs = parent_of(cs)) {
    if ((cs->f.cpus_allowed & online).any()) return cs->f.cpus_allowed & online;
  }
  return online;
}

nodemask_t cpuset_subsys::guarantee_online_mems(const cpuset* cs) {
  nodemask_t online = k().topo().node_states(N_MEMORY);
  for (; cs != nullptr; cs = parent_of(cs)) {
    if ((cs->f.mems_allowed & online).any()) return cs->f.mems_allowed & online;
  }
  return online;
}

cpumask_t cpuset_subsys::cpuset_cpus_allowed(task_struct* tsk) {
  absl::MutexLock cl(&callback_mutex_);
  absl::MutexLock l(&tsk->alloc_lock);  // the task's cpuset stays while we look
  return guarantee_online_cpus(static_cast<const cpuset*>(tsk->containers->subsys[subsys_id]));
}

nodemask_t cpuset_subsys::cpuset_mems_allowed(task_struct* tsk) {
  absl::MutexLock cl(&callback_mutex_);
  absl::MutexLock l(&tsk->alloc_lock);
  return guarantee_online_mems(static_cast<const cpuset*>(tsk->containers->subsys[subsys_id]));
}

void cpuset_subsys::update_tasks(cpuset* cs) {
  cpumask_t cpus;
  nodemask_t mems;
  {
    absl::MutexLock l(&callback_mutex_);
    cpus = guarantee_online_cpus(cs);
    mems = guarantee_online_mems(cs);
  }
  // The members' own requests first: the change keeps within them (cgroup flavour).
  std::vector<task_struct*> members;
  core_.container_iter(cs->container, [&](task_struct* t) {
    if (t->real) members.push_back(t);
  });
  for (task_struct* t : members) observe_task(t, cs);
  std::vector<std::pair<task_struct*, cpumask_t>> real;
  core_.container_iter(cs->container, [&](task_struct* t) {
    core_.container_mutex.AssertHeld();  // ours, held across the walk
    cpumask_t set = set_cpus_allowed(cs, t, cpus, mems);
    if (t->real) real.emplace_back(t, set);
  });
  // Still under container_mutex, so concurrent writers apply their masks in order.
  for (const auto& [t, mask] : real) follow_host(cs, t, mask);
}

cpumask_t cpuset_subsys::set_cpus_allowed(const cpuset* cs, task_struct* tsk, const cpumask_t& cpus,
                                          const nodemask_t& mems) {
  const container_flavour* flavour = cs->container.load()->root->flavour;
  absl::MutexLock l(&tsk->alloc_lock);
  cpumask_t set = cpus;
  // __set_cpus_allowed_ptr(): within the request (user_cpus_ptr) if one CPU is left.
  if (flavour != nullptr && flavour->keeps_user_cpus && tsk->user_cpus_ptr &&
      (cpus & *tsk->user_cpus_ptr).any()) {
    set &= *tsk->user_cpus_ptr;
  }
  tsk->cpus_allowed = set;
  tsk->mems_allowed = mems;
  return set;
}

void cpuset_subsys::apply_host(const task_struct* tsk, const cpumask_t& mask) {
  if (tsk->real && hooks_ != nullptr) hooks_->set_affinity(tsk->pid, mask);
}

void cpuset_subsys::follow_host(const cpuset* cs, task_struct* tsk, const cpumask_t& set) {
  const container_flavour* flavour = cs->container.load()->root->flavour;
  if (tsk->real && mirror_of(cs) != nullptr && hooks_ != nullptr && flavour != nullptr &&
      flavour->keeps_user_cpus) {
    cpumask_t cpus;
    {
      absl::MutexLock l(&callback_mutex_);
      cpus = guarantee_online_cpus(cs);
    }
    std::optional<cpumask_t> host = hooks_->get_affinity(tsk->pid);
    if (!host) return;  // gone: its exit is observed next
    if (host->any() && (*host & ~cpus).none()) {
      absl::MutexLock l(&tsk->alloc_lock);
      tsk->cpus_allowed = *host;
      return;
    }
  }
  apply_host(tsk, set);
}

// --- sched_setaffinity ---

void cpuset_subsys::set_affinity_hooks(affinity_hooks* hooks) {
  absl::MutexLock l(&core_.container_mutex);
  hooks_ = hooks;
}

void cpuset_subsys::set_host_cpusets(host_cpusets* host) {
  absl::MutexLock l(&core_.container_mutex);
  host_cpusets_ = host;
  top_cs_->on_host = host != nullptr;  // id 0: the subtree itself
}

Errno cpuset_subsys::sched_setaffinity(task_struct* tsk, const cpumask_t& new_mask) {
  absl::MutexLock l(&core_.container_mutex);
  return sched_setaffinity_locked(tsk, new_mask, nullptr, false);
}

// 2.6.24 sched_setaffinity(): cpus_and(new_mask, new_mask, cpuset_cpus_allowed(p)),
// then set_cpus_allowed(), EINVAL without an online CPU. Today's __sched_setaffinity()
// answers the same and keeps the request as user_cpus_ptr, only once it succeeded.
Errno cpuset_subsys::sched_setaffinity_locked(task_struct* tsk, const cpumask_t& new_mask,
                                              const cpuset* cs, bool on_host) {
  cpumask_t allowed;
  if (cs == nullptr) {
    allowed = cpuset_cpus_allowed(tsk);
  } else {
    absl::MutexLock l(&callback_mutex_);
    allowed = guarantee_online_cpus(cs);
  }
  cpumask_t mask = new_mask & allowed;
  if (mask.none()) return Errno(EINVAL);
  {
    absl::MutexLock l(&tsk->alloc_lock);
    tsk->cpus_allowed = mask;
    tsk->user_cpus_ptr = new_mask;
  }
  if (!on_host || mask != new_mask) apply_host(tsk, mask);
  return kOk;
}

// Every real thread's mask is read; only those that differ from uk's reach the kernel,
// as one `observe` entry (vfs/entry_recorder.h) whose inputs are their masks, so a
// replay makes the same changes (observe_tasks) and an observation that found nothing
// leaves no trace.
void cpuset_subsys::observe_affinity() {
  absl::MutexLock l(&core_.container_mutex);
  if (hooks_ == nullptr || (root == core_.rootnode() && !track_masks_.load())) return;
  std::vector<task_struct*> real;
  {
    absl::ReaderMutexLock tl(&k().tasklist_lock);
    k().for_each_task_locked([&](task_struct* t) {
      if (t->real && !t->zombie) real.push_back(t);
    });
  }
  std::vector<std::pair<task_struct*, cpumask_t>> changed;
  for (task_struct* t : real) {
    std::optional<cpumask_t> host = hooks_->get_affinity(t->pid);
    absl::MutexLock tl(&t->alloc_lock);
    if (host && *host != t->cpus_allowed) changed.emplace_back(t, *host);
  }
  if (changed.empty()) return;
  entry_scope e(k().recorder(), entry_kind::observe, nullptr);
  for (const auto& c : changed) {
    const cpumask_t& host = c.second;
    observe_task(c.first, nullptr, [&host]() -> std::optional<cpumask_t> { return host; });
  }
}

void cpuset_subsys::observe_tasks(const std::vector<pid_t>& tids) {
  absl::MutexLock l(&core_.container_mutex);
  for (pid_t tid : tids) {
    task_struct* t = k().find_task_by_pid(tid);
    if (t != nullptr && !t->zombie) observe_task(t, nullptr);
  }
}

void cpuset_subsys::observe_task(task_struct* t, const cpuset* cs) {
  affinity_hooks* hooks = hooks_;  // read under container_mutex; the lambda runs under it
  observe_task(t, cs, [hooks, t]() { return hooks->get_affinity(t->pid); });
}

// The host's mask enters through the recording seam (replayed: the recorded one).
void cpuset_subsys::observe_task(task_struct* t, const cpuset* cs,
                                 absl::FunctionRef<std::optional<cpumask_t>()> read) {
  if (hooks_ == nullptr || !t->real) return;
  std::string text = k().host_input_text(input_kind::affinity, t->pid, [&]() -> std::string {
    std::optional<cpumask_t> m = read();
    return m ? bitmap_scnlistprintf(*m) : "";
  });
  if (text.empty()) return;  // gone: its exit is observed next
  ErrorOr<cpumask_t> host = bitmap_parselist<NR_CPUS>(text);
  if (!host.ok()) return;  // not a mask this kernel has (a corrupt trace)
  cpumask_t mine;
  {
    absl::MutexLock l(&t->alloc_lock);
    mine = t->cpus_allowed;
  }
  if (host.value() == mine) return;
  // The host let the program have its mask; uk's cpuset answers now. With no CPU of
  // the cpuset in it, the program was told 0 where the kernel says EINVAL: the
  // previous mask comes back (harness/README.md, "cpuset: affinity").
  if (!sched_setaffinity_locked(t, host.value(), cs, true).ok()) {
    hooks_->set_affinity(t->pid, mine);
  }
}

// --- Validation and updates ---

// is_cpuset_subset(): p's sets within q's and p exclusive only where q is.
bool cpuset_subsys::is_cpuset_subset(const cpuset_fields& p, const cpuset_fields& q) {
  return (p.cpus_allowed & ~q.cpus_allowed).none() && (p.mems_allowed & ~q.mems_allowed).none() &&
         p.test(CS_CPU_EXCLUSIVE) <= q.test(CS_CPU_EXCLUSIVE) &&
         p.test(CS_MEM_EXCLUSIVE) <= q.test(CS_MEM_EXCLUSIVE);
}

Errno cpuset_subsys::validate_change(const cpuset* cur, const cpuset_fields& trial) {
  container* cont = cur->container;
  // Each of our children must stay a subset of us.
  for (const container* child : cont->children) {
    if (!is_cpuset_subset(cs_of(child)->f, trial)) return Errno(EBUSY);
  }
  // The remaining checks do not apply to the top cpuset.
  if (cont->parent == nullptr) return kOk;
  const cpuset* par = parent_of(cur);
  // We must be a subset of our parent.
  if (!is_cpuset_subset(trial, par->f)) return Errno(EACCES);
  // If either we or a sibling is exclusive, we may not overlap.
  for (const container* sib : cont->parent->children) {
    const cpuset* c = cs_of(sib);
    if (c == cur) continue;
    if ((trial.test(CS_CPU_EXCLUSIVE) || c->f.test(CS_CPU_EXCLUSIVE)) &&
        (trial.cpus_allowed & c->f.cpus_allowed).any()) {
      return Errno(EINVAL);
    }
    if ((trial.test(CS_MEM_EXCLUSIVE) || c->f.test(CS_MEM_EXCLUSIVE)) &&
        (trial.mems_allowed & c->f.mems_allowed).any()) {
      return Errno(EINVAL);
    }
  }
  // A cpuset with tasks cannot have empty cpus or mems.
  bool has_tasks = cont->count.load() != 0 || core_.container_task_count(cont) > 0;
  if (has_tasks && (trial.cpus_allowed.none() || trial.mems_allowed.none())) {
    return Errno(ENOSPC);
  }
  return kOk;
}

// update_cpumask(): the top cpuset tracks the online CPUs and is read-only; an empty
// list is allowed (validate_change refuses it for a cpuset with tasks); the flavour
// parses the list and says what a CPU outside the top cpuset gets (2.6.24: dropped;
// today: EINVAL); the members follow.
Errno cpuset_subsys::update_cpumask(cpuset* cs, std::string buf, const cpuset_list_ops& lists) {
  if (cs == top_cs_) return Errno(EACCES);
  cpuset_fields trial = cs->f;
  buf = strstrip(buf.c_str());
  if (buf.empty()) {
    trial.cpus_allowed.reset();
  } else {
    UK_ASSIGN_OR_RETURN(trial.cpus_allowed,
                        lists.parse_cpulist(buf, top_cs_->f.cpus_allowed, k().topo().nr_cpu_ids()));
  }
  UK_TRY(validate_change(cs, trial));
  if (trial.cpus_allowed == cs->f.cpus_allowed) return kOk;
  // The host cpuset first: its members' masks are then the host's (follow_host), and a
  // write it refuses changes nothing here.
  if (host_cpusets* host = mirror_of(cs)) {
    if (int e = host->set_cpus(cs->host_id, trial.cpus_allowed); e != 0) return Errno(e);
  }
  {
    absl::MutexLock l(&callback_mutex_);
    cs->f.cpus_allowed = trial.cpus_allowed;
  }
  update_tasks(cs);
  return kOk;
}

// update_nodemask(): as cpus, but "unchanged" is tested before validation (as the
// patch does). Members' mems_allowed follow at once (2.6.24 refreshes it lazily on
// the next allocation, which nothing here makes).
Errno cpuset_subsys::update_nodemask(cpuset* cs, std::string buf, const cpuset_list_ops& lists) {
  if (cs == top_cs_) return Errno(EACCES);
  cpuset_fields trial = cs->f;
  buf = strstrip(buf.c_str());
  if (buf.empty()) {
    trial.mems_allowed.reset();
  } else {
    UK_ASSIGN_OR_RETURN(trial.mems_allowed, lists.parse_nodelist(buf, top_cs_->f.mems_allowed));
  }
  if (trial.mems_allowed == cs->f.mems_allowed) return kOk;
  UK_TRY(validate_change(cs, trial));
  {
    absl::MutexLock l(&callback_mutex_);
    cs->f.mems_allowed = trial.mems_allowed;
    cs->mems_generation = mems_generation_.fetch_add(1);
  }
  update_tasks(cs);
  return kOk;
}

// update_flag(): any flag, validated like a set change (so exclusivity follows the
// nesting rules, and clearing a parent's flag that a child has is EBUSY).
Errno cpuset_subsys::update_flag(int bit, cpuset* cs, bool turning_on) {
  cpuset_fields trial = cs->f;
  if (turning_on) {
    trial.flags |= 1UL << bit;
  } else {
    trial.flags &= ~(1UL << bit);
  }
  UK_TRY(validate_change(cs, trial));
  // (2.6.24 rebuilds the sched domains here when sched_load_balance changed on a
  // cpuset with CPUs; there are no sched domains in uk.)
  absl::MutexLock l(&callback_mutex_);
  cs->f.flags = trial.flags;
  return kOk;
}

// --- Files ---

cpuset_subsys::cpuset* cpuset_subsys::live_cs(container* cont) {
  if (cont->removed()) return nullptr;
  return cs_of(cont);  // null once unbound by a remount while open
}

ErrorOr<size_t> cpuset_subsys::file_write(container* cont, const cftype* cft, const char* buf,
                                          size_t nbytes) {
  const container_flavour& flavour = *cont->root->flavour;
  const cpuset_list_ops& lists = *flavour.cpuset_lists;
  size_t max_write = cft->private_ == FILE_MEMLIST ? lists.mems_max_write : lists.max_write;
  if (max_write != 0 && nbytes > max_write) return Errno(E2BIG);
  // The kernel's copy is NUL-terminated: C string functions stop at an embedded NUL.
  std::string buffer(buf, nbytes);
  buffer = std::string(buffer.c_str());
  // A flag's value, parsed as the mount's flavour parses it (before any lock, as
  // cgroup_file_write parses a write_u64 file before cpuset_write_u64 runs).
  bool flag_on = simple_strtoull(buffer.c_str(), nullptr, 10) != 0;
  bool flag_file = cft->private_ != FILE_CPULIST && cft->private_ != FILE_MEMLIST &&
                   cft->private_ != FILE_MEMORY_PRESSURE;
  if (flavour.subsys_writes_parse_uint && flag_file && nbytes > 0) {
    UK_ASSIGN_OR_RETURN(unsigned long long v, flavour.parse_write_uint(buf, nbytes));
    flag_on = v != 0;
  }
  absl::MutexLock l(&core_.container_mutex);
  cpuset* cs = live_cs(cont);
  if (cs == nullptr) return Errno(ENODEV);
  Errno err;
  switch (cft->private_) {
    case FILE_CPULIST:
      err = update_cpumask(cs, buffer, lists);
      break;
    case FILE_MEMLIST:
      err = update_nodemask(cs, buffer, lists);
      break;
    case FILE_CPU_EXCLUSIVE:
      err = update_flag(CS_CPU_EXCLUSIVE, cs, flag_on);
      break;
    case FILE_MEM_EXCLUSIVE:
      err = update_flag(CS_MEM_EXCLUSIVE, cs, flag_on);
      break;
    case FILE_MEM_HARDWALL:
      err = update_flag(CS_MEM_HARDWALL, cs, flag_on);
      break;
    case FILE_MEMORY_MIGRATE:
      err = update_flag(CS_MEMORY_MIGRATE, cs, flag_on);
      break;
    case FILE_SCHED_LOAD_BALANCE:
      err = update_flag(CS_SCHED_LOAD_BALANCE, cs, flag_on);
      break;
    case FILE_MEMORY_PRESSURE_ENABLED:
      memory_pressure_enabled_ = flag_on;
      break;
    case FILE_MEMORY_PRESSURE:
      err = Errno(EACCES);
      break;
    case FILE_SPREAD_PAGE:
    case FILE_SPREAD_SLAB:
      err = update_flag(cft->private_ == FILE_SPREAD_PAGE ? CS_SPREAD_PAGE : CS_SPREAD_SLAB, cs,
                        flag_on);
      if (err.ok()) {
        absl::MutexLock cl(&callback_mutex_);
        cs->mems_generation = mems_generation_.fetch_add(1);
      }
      break;
    default:
      err = Errno(EINVAL);
  }
  UK_TRY(err);
  return nbytes;
}

ErrorOr<size_t> cpuset_subsys::file_read(container* cont, const cftype* cft, char* buf,
                                         size_t nbytes, loff_t* ppos) {
  std::string s;
  {
    // The state goes at rmdir while the file may still be open.
    absl::MutexLock l(&core_.container_mutex);
    const cpuset* cs = cs_of(cont);
    if (cs == nullptr) return Errno(ENODEV);
    switch (cft->private_) {
      case FILE_CPULIST:
        s = bitmap_scnlistprintf(cs->f.cpus_allowed);
        break;
      case FILE_MEMLIST:
        s = bitmap_scnlistprintf(cs->f.mems_allowed);
        break;
      // v1 keeps the effective sets equal to the configured ones (update_cpumasks_hier
      // warns otherwise); hotplug changes both (cpuset1_hotplug_update_tasks).
      case FILE_EFFECTIVE_CPULIST:
        s = bitmap_scnlistprintf(cs->f.cpus_allowed);
        break;
      case FILE_EFFECTIVE_MEMLIST:
        s = bitmap_scnlistprintf(cs->f.mems_allowed);
        break;
      case FILE_MEM_HARDWALL:
        s = cs->f.test(CS_MEM_HARDWALL) ? "1" : "0";
        break;
      case FILE_CPU_EXCLUSIVE:
        s = cs->f.test(CS_CPU_EXCLUSIVE) ? "1" : "0";
        break;
      case FILE_MEM_EXCLUSIVE:
        s = cs->f.test(CS_MEM_EXCLUSIVE) ? "1" : "0";
        break;
      case FILE_MEMORY_MIGRATE:
        s = cs->f.test(CS_MEMORY_MIGRATE) ? "1" : "0";
        break;
      case FILE_SCHED_LOAD_BALANCE:
        s = cs->f.test(CS_SCHED_LOAD_BALANCE) ? "1" : "0";
        break;
      case FILE_MEMORY_PRESSURE_ENABLED:
        s = memory_pressure_enabled_ ? "1" : "0";
        break;
      case FILE_MEMORY_PRESSURE:
        // fmeter_getrate(): no direct reclaim ever happens here, so the rate is 0.
        s = "0";
        break;
      case FILE_SPREAD_PAGE:
        s = cs->f.test(CS_SPREAD_PAGE) ? "1" : "0";
        break;
      case FILE_SPREAD_SLAB:
        s = cs->f.test(CS_SPREAD_SLAB) ? "1" : "0";
        break;
      default:
        return Errno(EINVAL);
    }
  }
  s += '\n';
  return container_read_string(s, buf, nbytes, ppos);
}

// --- Hotplug ---

// common_cpu_mem_hotplug_unplug(): the top cpuset becomes the online maps; below it,
// parents first, each cpuset follows the rule of the hierarchy cpuset is bound to (the
// patch's when unbound).
void cpuset_subsys::hotplug() {
  absl::MutexLock l(&core_.container_mutex);
  {
    absl::MutexLock cl(&callback_mutex_);
    top_cs_->f.cpus_allowed = k().topo().cpu_online_mask();
    top_cs_->f.mems_allowed = k().topo().node_states(N_MEMORY);
  }
  const container_flavour* flavour = root->flavour;
  auto update =
      cftypes_[flavour != nullptr ? flavour->subsys_cftypes : CFTYPES_V10].hotplug_update_tasks;
  // Pre-order walk without recursion: containers nest arbitrarily deep.
  std::vector<container*> stack(top_cs_->container.load()->children.begin(),
                                top_cs_->container.load()->children.end());
  while (!stack.empty()) {
    container* cont = stack.back();
    stack.pop_back();
    (this->*update)(cs_of(cont));
    stack.insert(stack.end(), cont->children.begin(), cont->children.end());
  }
}

// guarantee_online_cpus_mems_in_subtree(): a non-empty set shrinks to its online part,
// or takes its nearest ancestor's; an empty one stays empty; tasks are not moved.
void cpuset_subsys::hotplug_update_tasks(cpuset* c) {
  absl::MutexLock cl(&callback_mutex_);
  if (c->f.cpus_allowed.any()) c->f.cpus_allowed = guarantee_online_cpus(c);
  if (c->f.mems_allowed.any()) c->f.mems_allowed = guarantee_online_mems(c);
}

std::unique_ptr<container_subsys> cpuset_subsys_create(kernel& k) {
  return std::make_unique<cpuset_subsys>(k);
}

}  // namespace uk
