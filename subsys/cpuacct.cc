#include "subsys/cpuacct.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "subsys/subsystems.h"
#include "uk/containerfs.h"
#include "uk/css_group.h"
#include "uk/host_file.h"
#include "uk/kernel.h"
#include "uk/task.h"

namespace uk {

namespace {

// MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) (include/linux/posix-timers_types.h): the
// summed runtime of every thread of the process, readable for any process the caller's
// pid namespace sees (posix_cpu_clock_get(); only thread clocks are confined to the
// caller's own thread group).
clockid_t process_sched_clock(pid_t tgid) {
  constexpr unsigned kCpuclockSched = 2;
  return static_cast<clockid_t>((~static_cast<unsigned>(tgid) << 3) | kCpuclockSched);
}

}  // namespace

cpuacct_subsys::cpuacct_subsys(kernel& k)
    : container_subsys(k, "cpuacct", cpuacct_subsys_id),
      core_(k.containers()),
      use_schedstat_(::access("/proc/self/schedstat", R_OK) == 0) {
  has_fork_callback = true;
  has_exit_callback = true;
  files_.resize(1);
  files_[0].name = "usage";
  files_[0].read_uint = [this](container* cont, const cftype*) { return usage_read(cont); };
}

cpuacct_subsys::cpuacct* cpuacct_subsys::ca_of(const container* cont) const {
  return static_cast<cpuacct*>(cont->subsys[subsys_id]);
}

Errno cpuacct_subsys::create(container* cont) {
  cont->install_css(subsys_id, std::make_unique<cpuacct>());
  return kOk;
}

void cpuacct_subsys::destroy(container* cont) { cont->free_css(subsys_id); }

Errno cpuacct_subsys::populate(container* cont) { return container_add_files(cont, this, files_); }

// The reading enters the kernel through the recording seam (replayed: the recorded one).
std::optional<uint64_t> cpuacct_subsys::host_cputime(pid_t tgid, pid_t tid) {
  return k().host_input(input_kind::cputime, tid, [&] { return read_host_cputime(tgid, tid); });
}

std::optional<uint64_t> cpuacct_subsys::read_host_cputime(pid_t tgid, pid_t tid) {
  bool whole_process = false;
  if (tid == tgid && tgid != k().init_task()->tgid) {  // the supervisor has threads uk does not
    absl::MutexLock l(&last_lock_);
    whole_process = !threaded_.contains(tgid);
  }
  if (whole_process) {
    timespec ts;
    if (::clock_gettime(process_sched_clock(tgid), &ts) != 0) return std::nullopt;  // gone
    return timespec_ns(ts);
  }
  std::string dir = absl::StrCat("/proc/", tgid, "/task/", tid, "/");
  if (use_schedstat_) {
    // "<ns on cpu> <ns waiting> <timeslices>\n"
    auto text = read_host_file(dir + "schedstat");
    if (!text) return std::nullopt;
    uint64_t ns;
    std::string_view first = std::string_view(*text).substr(0, text->find(' '));
    if (!absl::SimpleAtoi(absl::string_view(first.data(), first.size()), &ns)) {
      return std::nullopt;
    }
    return ns;
  }
  // stat: fields after the ")" closing comm start at field 3; utime and stime are
  // fields 14 and 15, in clock ticks.
  auto text = read_host_file(dir + "stat");
  if (!text) return std::nullopt;
  size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(*text).substr(close + 1), ' ', absl::SkipEmpty());
  uint64_t utime, stime;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return std::nullopt;
  }
  static const long hz = ::sysconf(_SC_CLK_TCK);
  return (utime + stime) * (1000000000ull / static_cast<uint64_t>(hz > 0 ? hz : 100));
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

uint64_t cpuacct_subsys::take_reaped(pid_t tgid, pid_t tid, bool exiting) {
  reaped_time_hooks* h = reaped_.load();
  if (!h || tid != tgid) return 0;
  return h->take_reaped(tgid, exiting);
}

void cpuacct_subsys::charge(task_struct* tsk, uint64_t ns) {
  if (!active || ns == 0) return;
  // The group, and so the state, lives while the task points at it: under task_lock
  // it can neither move nor its container be removed.
  absl::MutexLock l(&tsk->alloc_lock);
  if (tsk->containers == nullptr) return;
  static_cast<cpuacct*>(tsk->containers->subsys[subsys_id])->usage.fetch_add(ns);
}

void cpuacct_subsys::charge_real(task_struct* tsk) {
  if (!tsk->real) return;
  auto now = host_cputime(tsk->tgid, tsk->pid);
  if (!now) return;
  charge(tsk, take_delta(tsk->tgid, tsk->pid, *now));
}

// A real task's baseline. A task forked in uk was born into the container its fork put
// it in (a settle mirrors every fork before any move can follow), so all its host CPU
// time is that container's: the baseline is 0, and no /proc read is needed. Only what
// the init task ran before the kernel booted is nobody's.
void cpuacct_subsys::fork(task_struct* task) {
  if (!task->real) return;
  std::optional<uint64_t> base = 0;
  if (task == k().init_task()) base = host_cputime(task->tgid, task->pid);
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
  ca_of(old_cont)->usage.fetch_add(take_delta(tsk->tgid, tsk->pid, *now));
}

// cpuacct_cgroup_read_uint(), after bringing the real members' time up to date.
// Under container_mutex: no member can move out meanwhile, and the state (freed at
// rmdir while this file may still be open) is checked.
uint64_t cpuacct_subsys::usage_read(container* cont) {
  absl::MutexLock l(&core_.container_mutex);
  cpuacct* ca = ca_of(cont);
  if (ca == nullptr) return 0;
  std::vector<std::pair<pid_t, pid_t>> real;  // (tgid, tid)
  core_.container_iter(cont, [&real](task_struct* t) {
    if (t->real) real.emplace_back(t->tgid, t->pid);
  });
  for (auto [tgid, tid] : real) {
    auto now = host_cputime(tgid, tid);
    if (now) ca->usage.fetch_add(take_delta(tgid, tid, *now));
    ca->usage.fetch_add(take_reaped(tgid, tid, /*exiting=*/false));
  }
  return ca->usage.load();
}

std::unique_ptr<container_subsys> cpuacct_subsys_create(kernel& k) {
  return std::make_unique<cpuacct_subsys>(k);
}

}  // namespace uk
