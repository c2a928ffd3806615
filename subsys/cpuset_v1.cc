// The cpuset files and rules of today's cgroup v1 that the patch lacks, kept apart as
// the kernel keeps them in kernel/cgroup/cpuset-v1.c: cpuset1_files[] (the patch's
// files with memory_pressure read-only, and effective_cpus, effective_mems,
// mem_hardwall and sched_relax_domain_level), the relax domain level's handlers and the
// v1 hotplug rule. The cgroup flavour selects them (container_flavour::subsys_cftypes).
#include <string>
#include <utility>
#include <vector>

#include "subsys/cpuset.h"
#include "uk/container_files.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/lib.h"
#include "uk/task.h"

namespace uk {

// cpuset1_files[], in its order.
cpuset_subsys::cpuset_cftypes cpuset_subsys::cpuset1_files() {
  struct entry {
    const char* name;
    int kind;
    bool read_only;  // seq_show or read_u64 alone: 0444, a write EINVAL
  };
  const entry entries[] = {
      {"cpus", FILE_CPULIST, false},
      {"mems", FILE_MEMLIST, false},
      {"effective_cpus", FILE_EFFECTIVE_CPULIST, true},
      {"effective_mems", FILE_EFFECTIVE_MEMLIST, true},
      {"cpu_exclusive", FILE_CPU_EXCLUSIVE, false},
      {"mem_exclusive", FILE_MEM_EXCLUSIVE, false},
      {"mem_hardwall", FILE_MEM_HARDWALL, false},
      {"sched_load_balance", FILE_SCHED_LOAD_BALANCE, false},
      {"sched_relax_domain_level", FILE_SCHED_RELAX_DOMAIN_LEVEL, false},
      {"memory_migrate", FILE_MEMORY_MIGRATE, false},
      {"memory_pressure", FILE_MEMORY_PRESSURE, true},
      {"memory_spread_page", FILE_SPREAD_PAGE, false},
      {"memory_spread_slab", FILE_SPREAD_SLAB, false},
  };
  cpuset_cftypes t;
  for (const entry& e : entries) {
    cftype cft = make_file(e.name, e.kind);
    if (e.read_only) cft.write = nullptr;
    t.files.push_back(std::move(cft));
  }
  // legacy_files[]' max_write_len: a list of every CPU or node, a range each.
  t.files[0].max_write_len = 100 + 6 * NR_CPUS;
  t.files[1].max_write_len = 100 + 6 * MAX_NUMNODES;
  // read_s64 / write_s64.
  cftype& relax = t.files[8];
  relax.read = [this](container* cont, const cftype*, file&, char* buf, size_t nbytes,
                      loff_t* ppos) { return cpuset1_read_s64(cont, buf, nbytes, ppos); };
  relax.write = [this](container* cont, const cftype*, file&, const char* buf, size_t nbytes,
                       loff_t*) { return cpuset1_write_s64(cont, buf, nbytes); };
  t.root_files.push_back(make_file("memory_pressure_enabled", FILE_MEMORY_PRESSURE_ENABLED));
  t.hotplug_update_tasks = &cpuset_subsys::cpuset1_hotplug_update_tasks;
  return t;
}

// cgroup_file_write() parses a write_s64 file with kstrtoll(buf, 0) before any lock
// (no blanks, one trailing newline, base detected, a sign; beyond s64 ERANGE); then
// cpuset_write_s64(): ENODEV once removed; update_relax_domain_level(): EINVAL outside
// -1 .. sched_domain_level_max + 1, the machine's (uk/sched_domains.h). (Rebuilding
// the sched domains has nothing to do here.)
ErrorOr<size_t> cpuset_subsys::cpuset1_write_s64(container* cont, const char* buf, size_t nbytes) {
  long long val;
  UK_TRY(kstrtoll(kernel_copy(buf, nbytes).c_str(), 0, &val));
  absl::MutexLock l(&core_.container_mutex);
  cpuset* cs = live_cs(cont);
  if (cs == nullptr) return Errno(ENODEV);
  if (val < -1 || val > k().topo().sched_domain_level_max() + 1) return Errno(EINVAL);
  absl::MutexLock cl(&callback_mutex_);
  cs->relax_domain_level = static_cast<int>(val);
  return nbytes;
}

// cpuset_read_s64(), shown by cgroup_seqfile_show as "%lld\n".
ErrorOr<size_t> cpuset_subsys::cpuset1_read_s64(container* cont, char* buf, size_t nbytes,
                                                loff_t* ppos) {
  std::string s;
  {
    absl::MutexLock l(&core_.container_mutex);
    const cpuset* cs = cs_of(cont);
    if (cs == nullptr) return Errno(ENODEV);
    s = std::to_string(cs->relax_domain_level) + "\n";
  }
  return container_read_string(s, buf, nbytes, ppos);
}

// cpuset_hotplug_update_tasks() + cpuset1_hotplug_update_tasks(): the sets become
// their part within the parent's (updated before, so within the online maps), empty or
// not, and the members follow; the tasks of a cpuset left without CPUs or memory move
// to the nearest ancestor that has both (remove_tasks_in_empty_cpuset, which the
// kernel defers to a workqueue; a move an ancestor's subsystem refuses is skipped, as
// the kernel only logs it).
void cpuset_subsys::cpuset1_hotplug_update_tasks(cpuset* cs) {
  const cpuset* parent = parent_of(cs);
  bool updated;
  {
    absl::MutexLock cl(&callback_mutex_);
    cpumask_t new_cpus = cs->f.cpus_allowed & parent->f.cpus_allowed;
    nodemask_t new_mems = cs->f.mems_allowed & parent->f.mems_allowed;
    updated = new_cpus != cs->f.cpus_allowed || new_mems != cs->f.mems_allowed;
    cs->f.cpus_allowed = new_cpus;
    cs->f.mems_allowed = new_mems;
  }
  if (cs->f.cpus_allowed.any() && cs->f.mems_allowed.any()) {
    if (updated) update_tasks(cs);
    return;
  }
  while (parent->f.cpus_allowed.none() || parent->f.mems_allowed.none()) {
    parent = parent_of(parent);
  }
  // By pid: a member may exit and be reaped while the others move.
  std::vector<pid_t> members;
  core_.container_iter(cs->container, [&members](task_struct* t) { members.push_back(t->pid); });
  for (pid_t pid : members) {
    task_struct* t = k().find_task_by_pid(pid);
    if (t != nullptr && !t->zombie) (void)core_.attach_task(parent->container, t);
  }
}

}  // namespace uk
