#include "subsys/cpuacct.h"

#include <utility>

#include "subsys/subsystems.h"
#include "uk/container_flavour.h"
#include "uk/containerfs.h"
#include "uk/css_group.h"
#include "uk/kernel.h"
#include "uk/task.h"

namespace uk {

cpuacct_subsys::cpuacct_subsys(kernel& k)
    : container_subsys(k, "cpuacct", cpuacct_subsys_id), core_(k.containers()) {
  has_fork_callback = true;
  has_exit_callback = true;
  std::vector<cftype>& v10 = files_[CFTYPES_V10];
  v10.resize(1);
  v10[0].name = "usage";
  v10[0].read_uint = [this](container* cont, const cftype*) { return usage_read(cont); };
  std::vector<cftype>& legacy = files_[CFTYPES_LEGACY];
  legacy.resize(1);
  legacy[0].name = "usage";
  legacy[0].read_uint = [this](container* cont, const cftype*) { return cpuusage_read(cont); };
  // cpuusage_write(): only 0, which resets the group's count; the root's is kept.
  legacy[0].write_uint = [this](container* cont, const cftype*, uint64_t val) -> Errno {
    if (val != 0) return Errno(EINVAL);
    absl::MutexLock l(&core_.container_mutex);
    cpuacct* ca = ca_of(cont);
    if (ca == nullptr) return Errno(ENODEV);
    if (cont->parent != nullptr) ca->cpuusage.store(0);
    return kOk;
  };
}

cpuacct_subsys::cpuacct* cpuacct_subsys::ca_of(const container* cont) const {
  return static_cast<cpuacct*>(cont->subsys[subsys_id]);
}

Errno cpuacct_subsys::create(container* cont) {
  cont->install_css(subsys_id, std::make_unique<cpuacct>());
  return kOk;
}

void cpuacct_subsys::destroy(container* cont) { cont->free_css(subsys_id); }

Errno cpuacct_subsys::populate(container* cont) {
  return container_add_files(cont, this, files_[cont->root->flavour->subsys_cftypes]);
}

// The reading enters the kernel through the recording seam (replayed: the recorded one).
std::optional<uint64_t> cpuacct_subsys::host_cputime(pid_t tgid, pid_t tid) {
  return k().host_input(input_kind::cputime, tid, [&]() -> std::optional<uint64_t> {
    cputime_hooks* h = cputime_.load();
    if (h == nullptr) return std::nullopt;
    bool whole_process = false;
    if (tid == tgid && tgid != k().init_task()->tgid) {  // the supervisor has threads uk does not
      absl::MutexLock l(&last_lock_);
      whole_process = !threaded_.contains(tgid);
    }
    return h->cputime(tgid, tid, whole_process);
  });
}

void cpuacct_subsys::set_cputime_hooks(cputime_hooks* h) {
  cputime_.store(h);
  task_struct* init = k().init_task();
  if (h == nullptr || !init->real) return;
  std::optional<uint64_t> base = host_cputime(init->tgid, init->pid);
  absl::MutexLock l(&last_lock_);
  if (base) last_[init->pid] = *base;
}

uint64_t cpuacct_subsys::take_delta(pid_t tgid, pid_t tid, uint64_t now) {
  uint64_t delta;
  {
    absl::MutexLock l(&last_lock_);
    // No baseline: the thread was never seen at fork, or it has exited meanwhile (the
    // exit hook dropped it; a new entry would be stale).
    auto it = last_.find(tid);
    if (it == last_.end()) return 0;
    delta = now > it->second ? now - it->second : 0;
    it->second = now;
  }
  if (reaped_time_hooks* h = reaped_.load(); h && delta) h->charged(tgid, delta);
  return delta;
}

// Through the recording seam, as host_cputime (with or without hooks, so a replay asks
// where the recording did): the value is the hooks' reading of the host (/proc cutime
// and cstime) less their bookkeeping, and a replay gets it back.
uint64_t cpuacct_subsys::take_reaped(pid_t tgid, pid_t tid, bool exiting) {
  if (tid != tgid) return 0;
  return k()
      .host_input(input_kind::reaped, tgid,
                  [&]() -> std::optional<uint64_t> {
                    reaped_time_hooks* h = reaped_.load();
                    return h ? h->take_reaped(tgid, exiting) : 0;
                  })
      .value_or(0);
}

void cpuacct_subsys::charge(task_struct* tsk, uint64_t ns) {
  if (!active || ns == 0) return;
  // container_mutex: the ancestors' states, which a rebind moves (the top's to the
  // dummy top); task_lock: the task can neither move nor its container be removed.
  absl::MutexLock cl(&core_.container_mutex);
  absl::MutexLock l(&tsk->alloc_lock);
  if (tsk->containers == nullptr) return;
  charge_container(tsk->containers->subsys[subsys_id]->container.load(), ns);
}

void cpuacct_subsys::charge_container(container* cont, uint64_t ns) {
  if (ns == 0) return;
  if (cpuacct* own = ca_of(cont)) own->usage.fetch_add(ns);
  for (container* c = cont; c != nullptr; c = c->parent) {
    if (cpuacct* ca = ca_of(c)) ca->cpuusage.fetch_add(ns);
  }
}

void cpuacct_subsys::charge_real(task_struct* tsk) {
  if (!tsk->real) return;
  auto now = host_cputime(tsk->tgid, tsk->pid);
  if (!now) return;
  charge(tsk, take_delta(tsk->tgid, tsk->pid, *now));
}

// A real task's baseline. A task forked in uk was born into the container its fork put
// it in (a settle mirrors every fork before any move can follow), so all its host CPU
// time is that container's: the baseline is 0, and no reading is needed. Only what
// the init task ran before the kernel booted is nobody's: its baseline is taken when
// the hooks are installed (set_cputime_hooks), after the boot.
void cpuacct_subsys::fork(task_struct* task) {
  if (!task->real) return;
  std::optional<uint64_t> base;
  if (task != k().init_task()) base = 0;
  if (reaped_time_hooks* h = reaped_.load(); h && task->is_thread_group_leader()) {
    h->forked(task->tgid, task->ppid);
  }
  absl::MutexLock l(&last_lock_);
  if (task->pid != task->tgid) threaded_.insert(task->tgid);
  if (base) {
    last_[task->pid] = *base;
  } else {
    last_.erase(task->pid);
  }
}

// The exit hooks run before the task leaves its containers: its last stretch goes to
// the container it ran in.
void cpuacct_subsys::exit(task_struct* task) {
  if (!task->real) return;
  charge_real(task);
  charge(task, take_reaped(task->tgid, task->pid, /*exiting=*/true));
  absl::MutexLock l(&last_lock_);
  last_.erase(task->pid);
  if (task->pid == task->tgid) threaded_.erase(task->tgid);
}

// The time since the last reading belongs to the container being left.
void cpuacct_subsys::attach(container* cont, container* old_cont, task_struct* tsk) {
  core_.container_mutex.AssertHeld();
  if (!tsk->real) return;
  auto now = host_cputime(tsk->tgid, tsk->pid);
  if (!now) return;
  charge_container(old_cont, take_delta(tsk->tgid, tsk->pid, *now));
}

// cpuacct_cgroup_read_uint(), after bringing the real members' time up to date.
// Under container_mutex: no member can move out meanwhile, and the state (freed at
// rmdir while this file may still be open) is checked.
uint64_t cpuacct_subsys::usage_read(container* cont) {
  absl::MutexLock l(&core_.container_mutex);
  cpuacct* ca = ca_of(cont);
  if (ca == nullptr) return 0;
  settle_members(cont);
  return ca->usage.load();
}

void cpuacct_subsys::settle_members(container* cont) {
  std::vector<std::pair<pid_t, pid_t>> real;  // (tgid, tid)
  core_.container_iter(cont, [&real](task_struct* t) {
    if (t->real) real.emplace_back(t->tgid, t->pid);
  });
  for (auto [tgid, tid] : real) {
    auto now = host_cputime(tgid, tid);
    if (now) charge_container(cont, take_delta(tgid, tid, *now));
    charge_container(cont, take_reaped(tgid, tid, /*exiting=*/false));
  }
}

// cpuusage_read() of today's cpuacct.usage: the subtree's real members first (each
// charge reaches this group through its ancestors).
uint64_t cpuacct_subsys::cpuusage_read(container* cont) {
  absl::MutexLock l(&core_.container_mutex);
  cpuacct* ca = ca_of(cont);
  if (ca == nullptr) return 0;
  std::vector<container*> todo = {cont};
  while (!todo.empty()) {
    container* c = todo.back();
    todo.pop_back();
    if (ca_of(c) == nullptr) continue;
    settle_members(c);
    todo.insert(todo.end(), c->children.begin(), c->children.end());
  }
  return ca->cpuusage.load();
}

std::unique_ptr<container_subsys> cpuacct_subsys_create(kernel& k) {
  return std::make_unique<cpuacct_subsys>(k);
}

}  // namespace uk
