#include "subsys/cpuacct.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
  files_[CFTYPES_LEGACY] = legacy_files();
}

cpuacct_subsys::cpuacct* cpuacct_subsys::ca_of(const container* cont) const {
  return static_cast<cpuacct*>(cont->subsys[subsys_id]);
}

uint64_t cpuacct_subsys::cpuacct::sum(std::atomic<uint64_t> cpuacct_usage::*field) const {
  uint64_t total = 0;
  for (size_t cpu = 0; cpu < nr_cpu_ids; cpu++) total += (percpu[cpu].*field).load();
  return total;
}

bool cpuacct_subsys::wants_split(const container* cont) {
  const container_flavour* f = cont->root->flavour;
  return f != nullptr && f->subsys_cftypes == CFTYPES_LEGACY;
}

Errno cpuacct_subsys::create(container* cont) {
  cont->install_css(subsys_id, std::make_unique<cpuacct>(k().topo().nr_cpu_ids()));
  return kOk;
}

void cpuacct_subsys::destroy(container* cont) { cont->free_css(subsys_id); }

Errno cpuacct_subsys::populate(container* cont) {
  return container_add_files(cont, this, files_[cont->root->flavour->subsys_cftypes]);
}

bool cpuacct_subsys::whole_process(pid_t tgid, pid_t tid) {
  if (tid != tgid || tgid == k().init_task()->tgid)
    return false;  // the supervisor has threads uk does not
  absl::MutexLock l(&last_lock_);
  return !threaded_.contains(tgid);
}

// The reading enters the kernel through the recording seam (replayed: the recorded one).
std::optional<uint64_t> cpuacct_subsys::host_cputime(pid_t tgid, pid_t tid) {
  return k().host_input(input_kind::cputime, tid, [&]() -> std::optional<uint64_t> {
    cputime_hooks* h = cputime_.load();
    if (h == nullptr) return std::nullopt;
    return h->cputime(tgid, tid, whole_process(tgid, tid));
  });
}

// The seam's text: "utime stime cpu", "" for none.
std::optional<cpu_split> cpuacct_subsys::host_split(pid_t tgid, pid_t tid) {
  std::string text = k().host_input_text(input_kind::cpustat, tid, [&]() -> std::string {
    cputime_hooks* h = cputime_.load();
    std::optional<cpu_split> s = h ? h->split(tgid, tid, whole_process(tgid, tid)) : std::nullopt;
    return s ? absl::StrCat(s->utime, " ", s->stime, " ", s->cpu) : std::string();
  });
  std::vector<absl::string_view> f = absl::StrSplit(text, ' ');
  cpu_split s;
  if (f.size() != 3 || !absl::SimpleAtoi(f[0], &s.utime) || !absl::SimpleAtoi(f[1], &s.stime) ||
      !absl::SimpleAtoi(f[2], &s.cpu)) {
    return std::nullopt;
  }
  return s;
}

void cpuacct_subsys::set_cputime_hooks(cputime_hooks* h) {
  cputime_.store(h);
  task_struct* init = k().init_task();
  if (h == nullptr || !init->real) return;
  std::optional<uint64_t> base = host_cputime(init->tgid, init->pid);
  std::optional<cpu_split> split = host_split(init->tgid, init->pid);
  absl::MutexLock l(&last_lock_);
  if (base) last_[init->pid] = thread_clock{*base, split};
}

cpuacct_subsys::cpu_charge cpuacct_subsys::take_delta(pid_t tgid, pid_t tid,
                                                      std::optional<uint64_t> now,
                                                      const std::optional<cpu_split>& split) {
  // A count the host lowered (a leader whose readings switched from the process's to
  // its own) charges nothing and becomes the new baseline, as the time does.
  auto grown = [](uint64_t now, uint64_t last) { return now > last ? now - last : 0; };
  cpu_charge c;
  {
    absl::MutexLock l(&last_lock_);
    // No baseline: the thread was never seen at fork, or it has exited meanwhile (the
    // exit hook dropped it; a new entry would be stale).
    auto it = last_.find(tid);
    if (it == last_.end()) return c;
    thread_clock& last = it->second;
    // No reading (the thread is gone): nothing, on the CPU it was last seen on.
    if (last.split) c.cpu = last.split->cpu;
    if (!now) return c;
    c.ns = grown(*now, last.ns);
    last.ns = *now;
    if (split) {
      if (last.split) {
        c.user = grown(split->utime, last.split->utime);
        c.sys = grown(split->stime, last.split->stime);
      }
      c.cpu = split->cpu;
      last.split = split;
    }
  }
  if (reaped_time_hooks* h = reaped_.load(); h && c.ns) h->charged(tgid, c.ns);
  return c;
}

// Through the recording seam, as host_cputime (with or without hooks, so a replay asks
// where the recording did): the value is the hooks' reading of the host (/proc cutime
// and cstime) less their bookkeeping, and a replay gets it back. The hooks are asked
// once; the user part enters as a second input.
cpuacct_subsys::cpu_charge cpuacct_subsys::take_reaped(pid_t tgid, pid_t tid, bool exiting,
                                                       bool split) {
  if (tid != tgid) return {};
  reaped_cputime got;
  cpu_charge c;
  c.ns = k().host_input(input_kind::reaped, tgid,
                        [&]() -> std::optional<uint64_t> {
                          reaped_time_hooks* h = reaped_.load();
                          if (h) got = h->take_reaped(tgid, exiting);
                          return got.ns;
                        })
             .value_or(0);
  if (split && c.ns > 0) {
    c.user = std::min(c.ns, k().host_input(input_kind::reaped_user, tgid,
                                           [&] { return std::optional<uint64_t>(got.user); })
                                .value_or(0));
    c.sys = c.ns - c.user;
  }
  return c;
}

void cpuacct_subsys::charge(task_struct* tsk, uint64_t ns) {
  if (!active || ns == 0) return;
  // container_mutex: the ancestors' states, which a rebind moves (the top's to the
  // dummy top); task_lock: the task can neither move nor its container be removed.
  absl::MutexLock cl(&core_.container_mutex);
  absl::MutexLock l(&tsk->alloc_lock);
  if (tsk->containers == nullptr) return;
  int cpu = 0;
  for (size_t i = 0; i < tsk->cpus_allowed.size(); i++) {
    if (tsk->cpus_allowed.test(i)) {
      cpu = static_cast<int>(i);
      break;
    }
  }
  charge_container(tsk->containers->subsys[subsys_id]->container.load(),
                   cpu_charge{.ns = ns, .user = ns, .cpu = cpu});
}

void cpuacct_subsys::charge_container(container* cont, const cpu_charge& c) {
  if (c.ns == 0 && c.user == 0 && c.sys == 0) return;
  if (cpuacct* own = ca_of(cont)) own->usage.fetch_add(c.ns);
  for (container* p = cont; p != nullptr; p = p->parent) {
    cpuacct* ca = ca_of(p);
    if (ca == nullptr) continue;
    // A CPU the kernel does not know of (none, with a replay's recorded split): CPU 0.
    cpuacct_usage& u =
        ca->percpu[c.cpu >= 0 && static_cast<size_t>(c.cpu) < ca->nr_cpu_ids ? c.cpu : 0];
    u.usage.fetch_add(c.ns);
    u.user.fetch_add(c.user);
    u.sys.fetch_add(c.sys);
  }
}

void cpuacct_subsys::settle_thread(container* cont, pid_t tgid, pid_t tid, bool reaped,
                                   bool exiting) {
  const bool splits = wants_split(cont);
  // The split first: a process its parent reaps between the two readings then has no
  // clock either, and all its time comes through the reaper's counts with their own
  // split. Read the other way round, the clock could charge that time with no split.
  std::optional<cpu_split> split;
  if (splits) split = host_split(tgid, tid);
  std::optional<uint64_t> now = !splits || split ? host_cputime(tgid, tid) : std::nullopt;
  cpu_charge own = take_delta(tgid, tid, now, split);
  charge_container(cont, own);
  if (!reaped) return;
  cpu_charge r = take_reaped(tgid, tid, exiting, splits);
  r.cpu = own.cpu;
  charge_container(cont, r);
}

// A real task's baseline. A task forked in uk was born into the container its fork put
// it in (a settle mirrors every fork before any move can follow), so all its host CPU
// time is that container's: the baseline is 0, and no reading is needed (its split's
// too). Only what the init task ran before the kernel booted is nobody's: its baseline
// is taken when the hooks are installed (set_cputime_hooks), after the boot.
void cpuacct_subsys::fork(task_struct* task) {
  if (!task->real) return;
  if (reaped_time_hooks* h = reaped_.load(); h && task->is_thread_group_leader()) {
    h->forked(task->tgid, task->ppid);
  }
  absl::MutexLock l(&last_lock_);
  if (task->pid != task->tgid) threaded_.insert(task->tgid);
  if (task != k().init_task()) {
    last_[task->pid] = thread_clock{0, cpu_split{}};
  } else {
    last_.erase(task->pid);
  }
}

// The exit hooks run before the task leaves its containers: its last stretch, and what
// its process reaped, go to the container it ran in.
void cpuacct_subsys::exit(task_struct* task) {
  if (!task->real) return;
  if (active) {
    absl::MutexLock cl(&core_.container_mutex);
    container* cont = nullptr;
    {
      absl::MutexLock l(&task->alloc_lock);
      if (task->containers != nullptr) cont = task->containers->subsys[subsys_id]->container.load();
    }
    if (cont != nullptr)
      settle_thread(cont, task->tgid, task->pid, /*reaped=*/true, /*exiting=*/true);
  }
  absl::MutexLock l(&last_lock_);
  last_.erase(task->pid);
  if (task->pid == task->tgid) threaded_.erase(task->tgid);
}

// The time since the last reading belongs to the container being left.
void cpuacct_subsys::attach(container* cont, container* old_cont, task_struct* tsk) {
  core_.container_mutex.AssertHeld();
  if (!tsk->real) return;
  settle_thread(old_cont, tsk->tgid, tsk->pid, /*reaped=*/false, /*exiting=*/false);
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
  for (auto [tgid, tid] : real) settle_thread(cont, tgid, tid, /*reaped=*/true, /*exiting=*/false);
}

std::unique_ptr<container_subsys> cpuacct_subsys_create(kernel& k) {
  return std::make_unique<cpuacct_subsys>(k);
}

}  // namespace uk
