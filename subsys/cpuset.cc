#include "subsys/cpuset.h"

#include <sched.h>

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

namespace {

// The files' `private` kinds (cpuset_filetype_t).
enum {
  FILE_CPULIST,
  FILE_MEMLIST,
  FILE_CPU_EXCLUSIVE,
  FILE_MEM_EXCLUSIVE,
  FILE_MEMORY_MIGRATE,
  FILE_SCHED_LOAD_BALANCE,
  FILE_MEMORY_PRESSURE_ENABLED,
  FILE_MEMORY_PRESSURE,
  FILE_SPREAD_PAGE,
  FILE_SPREAD_SLAB,
};

// A real task's host affinity. Errors are ignored: the thread may be gone (ESRCH),
// and attach cannot fail.
void set_host_affinity(pid_t pid, const cpumask_t& mask) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu = 0; cpu < NR_CPUS && cpu < CPU_SETSIZE; cpu++) {
    if (mask.test(cpu)) CPU_SET(cpu, &set);
  }
  (void)sched_setaffinity(pid, sizeof set, &set);
}

}  // namespace

cpuset_subsys::cpuset_subsys(kernel& k)
    : container_subsys(k, "cpuset", cpuset_subsys_id), core_(k.containers()) {
  early_init = 1;
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
  auto make = [this](const char* name, int kind) {
    cftype cft;
    cft.name = name;
    cft.private_ = kind;
    cft.read = [this](container* cont, const cftype* cft, file&, char* buf, size_t nbytes,
                      loff_t* ppos) { return file_read(cont, cft, buf, nbytes, ppos); };
    cft.write = [this](container* cont, const cftype* cft, file&, const char* buf, size_t nbytes,
                       loff_t*) { return file_write(cont, cft, buf, nbytes); };
    return cft;
  };
  for (const auto& [name, kind] : names) files_.push_back(make(name, kind));
  root_files_.push_back(make("memory_pressure_enabled", FILE_MEMORY_PRESSURE_ENABLED));

  k.topo().register_hotplug_notifier([this] { hotplug(); });
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
  cont->install_css(subsys_id, std::move(cs));
  return kOk;
}

// cpuset_destroy(). Readers outside the container code go by callback_mutex_.
void cpuset_subsys::destroy(container* cont) {
  absl::MutexLock l(&callback_mutex_);
  cont->free_css(subsys_id);
}

Errno cpuset_subsys::populate(container* cont) {
  UK_TRY(container_add_files(cont, this, files_));
  if (cont->parent == nullptr) UK_TRY(container_add_files(cont, this, root_files_));
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
  cpumask_t cpus;
  nodemask_t mems;
  {
    absl::MutexLock l(&callback_mutex_);
    cpus = guarantee_online_cpus(cs_of(cont));
    mems = guarantee_online_mems(cs_of(cont));
  }
  {
    absl::MutexLock l(&tsk->alloc_lock);
    tsk->cpus_allowed = cpus;
    tsk->mems_allowed = mems;
  }
  if (tsk->real) set_host_affinity(tsk->pid, cpus);
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
  absl::MutexLock l(&callback_mutex_);
  cs->f.mems_allowed = parent_cs->f.mems_allowed;
  cs->f.cpus_allowed = parent_cs->f.cpus_allowed;
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
  std::vector<pid_t> real;
  core_.container_iter(cs->container, [&](task_struct* t) {
    absl::MutexLock l(&t->alloc_lock);
    t->cpus_allowed = cpus;
    t->mems_allowed = mems;
    if (t->real) real.push_back(t->pid);
  });
  // Still under container_mutex, so concurrent writers apply their masks in order.
  for (pid_t pid : real) set_host_affinity(pid, cpus);
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

ErrorOr<size_t> cpuset_subsys::file_write(container* cont, const cftype* cft, const char* buf,
                                          size_t nbytes) {
  const container_flavour& flavour = *cont->root->flavour;
  const cpuset_list_ops& lists = *flavour.cpuset_lists;
  if (nbytes > (cft->private_ == FILE_MEMLIST ? lists.mems_max_write : lists.max_write)) {
    return Errno(E2BIG);
  }
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
  if (cont->removed()) return Errno(ENODEV);
  cpuset* cs = cs_of(cont);
  if (cs == nullptr) return Errno(ENODEV);  // unbound by a remount while open
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

// common_cpu_mem_hotplug_unplug() + guarantee_online_cpus_mems_in_subtree(): the top
// cpuset becomes the online maps; below it, children before parents, every non-empty
// set shrinks to its online part or takes the nearest ancestor's. Empty ones stay
// empty; tasks are not moved.
void cpuset_subsys::hotplug() {
  absl::MutexLock l(&core_.container_mutex);
  absl::MutexLock cl(&callback_mutex_);
  top_cs_->f.cpus_allowed = k().topo().cpu_online_mask();
  top_cs_->f.mems_allowed = k().topo().node_states(N_MEMORY);
  // Post-order walk without recursion: containers nest arbitrarily deep.
  std::vector<std::pair<container*, bool>> stack = {{top_cs_->container, false}};
  while (!stack.empty()) {
    auto [cont, expanded] = stack.back();
    if (!expanded) {
      stack.back().second = true;
      for (container* child : cont->children) stack.emplace_back(child, false);
      continue;
    }
    stack.pop_back();
    if (cont->parent == nullptr) continue;
    cpuset* c = cs_of(cont);
    if (c->f.cpus_allowed.any()) c->f.cpus_allowed = guarantee_online_cpus(c);
    if (c->f.mems_allowed.any()) c->f.mems_allowed = guarantee_online_mems(c);
  }
}

std::unique_ptr<container_subsys> cpuset_subsys_create(kernel& k) {
  return std::make_unique<cpuset_subsys>(k);
}

}  // namespace uk
