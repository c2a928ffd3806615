// The task tracker: pending forks settled from /proc (exits: tracker_exits.cc).
#include "harness/tracker.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/host_clock.h"
#include "harness/host_creds.h"
#include "harness/host_file.h"
#include "harness/host_threads.h"
#include "uk/invariants.h"

namespace ukrun {

namespace {

// A gap in ns_last_pid up to this many pids is probed pid by pid; a larger one (or a
// wrap) walks /proc, which costs about as much as probing this many.
constexpr pid_t kMaxProbe = 256;
// After a /proc walk, the newest pids below ns_last_pid are probed too: a walk does
// not see a fork that has its pid but no task yet.
constexpr pid_t kInFlightWindow = 64;
// A pid still allocated without a task after this long is dropped from the retries
// (logged): no fork stays in copy_process() that long.
constexpr uint64_t kRetryLimitNs = 10'000'000'000ull;
// A pid among the newest ones that looks gone may still be inside alloc_pid() (its
// number taken, its struct pid not published yet: harness/pid_probe.h); it is looked
// at again for this long while it stays among the newest kRecentPids. fork_observe in
// tests/stress:race_test missed 1 child in 600 forks before this, on a loaded host.
constexpr uint64_t kUnpublishedNs = 50'000'000;
constexpr pid_t kRecentPids = 8;

// /proc/<pid>/stat's ppid field, or -1 (the process is gone or a zombie).
pid_t read_ppid(pid_t pid) {
  std::optional<proc_stat_head> h = read_proc_stat(pid);
  // A zombie has exited: if uk never saw it alive it never becomes a task (else every
  // settle would add and exit it again until its parent reaps it).
  if (!h || h->state == 'Z' || h->state == 'X') return -1;
  return h->ppid;
}

}  // namespace

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out;
}

void trace_log::event(std::string_view ev, const std::string& fields) {
  absl::MutexLock l(&mu_);
  if (!f_) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  absl::FPrintF(f_, "{\"event\":\"%s\",\"time\":%d.%06d,%s}\n", ev, ts.tv_sec, ts.tv_nsec / 1000,
                fields);
  fflush(f_);
}

tracker::tracker(uk::kernel& k, trace_log& trace)
    : kernel_(k), trace_(trace), exit_ep_(epoll_create1(EPOLL_CLOEXEC)) {}

tracker::~tracker() {
  absl::MutexLock l(&mu_);
  for (auto& [tgid, p] : procs_) {
    if (p.pidfd >= 0) close(p.pidfd);
  }
  for (auto& [tid, fd] : thread_fds_) close(fd);
  if (last_pid_fd_ >= 0) close(last_pid_fd_);
  if (exit_ep_ >= 0) close(exit_ep_);
  for (auto& [pid, fd] : reap_fds_) close(fd);
}

// The last pid the pid namespace handed out (/proc/sys/kernel/ns_last_pid), or -1.
// Every new process and thread takes a pid, so the pids above the last one looked at
// are the only new ones: an observation costs one pread plus a probe per new pid
// instead of a /proc walk.
pid_t tracker::read_ns_last_pid_locked() {
  if (last_pid_fd_ == -1) {
    last_pid_fd_ = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
    if (last_pid_fd_ < 0) last_pid_fd_ = -2;  // not available: always scan
  }
  if (last_pid_fd_ < 0) return -1;
  char buf[32];
  ssize_t n = pread(last_pid_fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  return static_cast<pid_t>(strtol(buf, nullptr, 10));
}

void tracker::add_root_process(pid_t pid) {
  absl::MutexLock l(&mu_);
  add_task_locked(kernel_.init_task(), pid, 0, false);
}

void tracker::note_fork(pid_t tid, unsigned long clone_flags) {
  absl::MutexLock l(&mu_);
  uk::task_struct* t = kernel_.find_task_by_pid(tid);
  if (!t) {
    settle_locked();
    t = kernel_.find_task_by_pid(tid);
  }
  for (auto& p : pending_) {
    if (p.tid == tid) p.done = true;
  }
  pending_.push_back({tid, t ? t->tgid : tid, clone_flags, false});
}

uk::Errno tracker::admit_fork(pid_t tid, unsigned long clone_flags, const fork_check& check) {
  absl::MutexLock l(&mu_);
  // Its previous fork has returned: that child is in /proc now (or failed).
  for (auto& p : pending_) {
    if (p.tid == tid) p.done = true;
  }
  settle_locked();
  uk::task_struct* t = kernel_.find_task_by_pid(tid);
  if (t && !t->zombie) {
    std::vector<uk::task_struct*> in_flight;
    for (const auto& p : pending_) {
      if (p.done || p.tid == tid) continue;
      uk::task_struct* f = kernel_.find_task_by_pid(p.tid);
      if (f && !f->zombie) in_flight.push_back(f);
    }
    uk::Errno e = check(t, in_flight);
    if (!e.ok()) return e;
  }
  pending_.push_back({tid, t ? t->tgid : tid, clone_flags, false});
  return uk::kOk;
}

void tracker::note_exec(pid_t tid, const std::string& filename) {
  absl::MutexLock l(&mu_);
  if (!kernel_.find_task_by_pid(tid)) settle_locked();
  for (auto& p : pending_) {
    if (p.tid == tid) p.done = true;
  }
  if (pending_unshare_.contains(tid)) update_unshares_locked(tid, true);
  pending_exec_[tid] = filename;
}

void tracker::note_syscall(pid_t tid) {
  absl::MutexLock l(&mu_);
  for (auto& p : pending_) {
    if (p.tid == tid) p.done = true;
  }
  if (pending_exec_.contains(tid)) update_execs_locked();
  if (pending_unshare_.contains(tid)) update_unshares_locked(tid, true);
}

void tracker::sync_creds(uk::task_struct& t) {
  std::optional<uk::task_creds> now = read_host_creds(t.pid);
  if (now && !(*now == uk::creds_of(t))) kernel_.set_creds(&t, *now);
}

void tracker::note_unshare(pid_t tid, unsigned long flags) {
  absl::MutexLock l(&mu_);
  if (!kernel_.find_task_by_pid(tid)) settle_locked();
  if (pending_unshare_.contains(tid)) update_unshares_locked(tid, true);
  flags &= kHostNsFlags;
  if (flags == 0 || !kernel_.find_task_by_pid(tid)) return;
  pending_unshare_[tid] = {flags, read_host_ns(tid, flags), unshare_allowed(tid, flags)};
}

void tracker::update_unshares_locked(pid_t only, bool returned) {
  for (auto it = pending_unshare_.begin(); it != pending_unshare_.end();) {
    auto cur = it++;
    if (only != 0 && cur->first != only) continue;
    uk::task_struct* t = kernel_.find_task_by_pid(cur->first);
    if (!t || t->zombie) {
      pending_unshare_.erase(cur);
      continue;
    }
    unsigned long changed =
        changed_host_ns(cur->second.before, read_host_ns(t->pid, cur->second.flags));
    if (changed == 0 && !returned) continue;  // not yet (or failed: seen at its next trap)
    apply_unshare_locked(t, changed);
    pending_unshare_.erase(cur);
  }
}

void tracker::unshare_at_exit_locked(pid_t tid) {
  auto it = pending_unshare_.find(tid);
  uk::task_struct* t = kernel_.find_task_by_pid(tid);
  if (it == pending_unshare_.end() || !t || t->zombie) return;
  host_ns now = read_host_ns(tid, it->second.flags);
  unsigned long changed = changed_host_ns(it->second.before, now);
  if (host_ns_unread(now) && it->second.allowed) changed = it->second.flags;
  apply_unshare_locked(t, changed);
  pending_unshare_.erase(it);
}

void tracker::apply_unshare_locked(uk::task_struct* t, unsigned long changed) {
  if (changed == 0) return;
  uk::Errno e = kernel_.sys_unshare(t, changed);
  if (trace_.enabled()) {
    trace_.event("unshare", absl::StrFormat("\"pid\":%d,\"flags\":\"0x%x\",\"errno\":%d", t->pid,
                                            changed, e.code()));
  }
}

void tracker::set_event_checks(bool on) {
  absl::MutexLock l(&mu_);
  event_checks_ = on;
}

void tracker::settle() {
  absl::MutexLock l(&mu_);
  settle_locked();
}

void tracker::observe(const std::function<void()>& fn) {
  absl::MutexLock l(&mu_);
  settle_locked();
  if (!execs_trapped_) refresh_comms_locked();  // the tree shows each task's comm
  fn();
}

tracker::pinned_task tracker::task_for(pid_t tid, depends on) {
  {
    absl::MutexLock l(&mu_);
    if (on == depends::forks_and_exits || !settled_enough_locked(tid, on)) settle_locked();
  }
  // Pinned after the settle: the lookup below sees whatever exited in between.
  pinned_task r{hold(), kernel_.find_task_by_pid(tid)};
  if (r.task && r.task->zombie) r.task = nullptr;
  return r;
}

void tracker::release_zombies() {
  if (!have_zombies_.load(std::memory_order_relaxed)) return;  // most traps: no exit
  absl::MutexLock l(&mu_);
  release_zombies_locked(false);
}

void tracker::release_zombies_locked(bool wait) {
  if (zombies_.empty()) return;
  if (wait) {
    gate_.WriterLock();
  } else if (!gate_.WriterTryLock()) {
    return;
  }
  for (pid_t pid : std::exchange(zombies_, {})) {
    // Still a zombie on the host: reap_dead_locked gives it back at the host's reap.
    if (reap_fds_.contains(pid)) continue;
    uk::task_struct* t = kernel_.find_task_by_pid(pid);
    if (t && t->zombie) kernel_.release_task(t);
  }
  have_zombies_.store(false, std::memory_order_relaxed);
  gate_.WriterUnlock();
}

std::vector<std::string> tracker::check(bool read_tasks_files) {
  absl::MutexLock l(&mu_);
  // A full /proc walk: the check must not trust the incremental settle it checks.
  walked_to_ = -1;
  settle_locked();
  release_zombies_locked(true);  // a zombie has no host thread any more
  std::vector<std::string> v = std::exchange(event_violations_, {});
  for (std::string& s :
       uk::check_invariants(kernel_, {.quiescent = true, .read_tasks_files = read_tasks_files})) {
    v.push_back(std::move(s));
  }
  pid_t self = kernel_.init_task()->pid;
  int err = 0;
  std::vector<uk::host_thread> host = list_host_threads("/proc", &err);
  if (err != 0) {
    // Not a violation: the comparison cannot be made (the fds test runs out on purpose).
    warn_locked("--check: the host comparison is skipped, listing /proc", err);
    return v;
  }
  std::vector<std::string> first = uk::compare_with_host(kernel_, host, self);
  if (!first.empty()) {
    // The other threads of a process whose exit_group uk has handled stay in /proc
    // (state R) until the host kernel has killed them: give them 20 ms (under TSan its
    // background thread was still listed at the immediate second look).
    usleep(20000);
    walked_to_ = -1;
    settle_locked();
    release_zombies_locked(true);
    host = list_host_threads("/proc", &err);
    if (err != 0) {
      warn_locked("--check: the host comparison is skipped, listing /proc", err);
      return v;
    }
    std::vector<std::string> again = uk::compare_with_host(kernel_, host, self);
    for (const std::string& s : first) {
      if (std::find(again.begin(), again.end(), s) != again.end()) v.push_back(s);
    }
  }
  return v;
}

bool tracker::is_known(pid_t tid) { return kernel_.find_task_by_pid(tid) != nullptr; }

void tracker::settle_locked(bool observation) {
  scan_forks_locked();
  if (!pending_exec_.empty()) update_execs_locked();
  if (!pending_unshare_.empty()) update_unshares_locked(0, false);
  if (observation) {
    reap_dead_locked();
    // Execs are not trapped: the trace shows each one an observation finds.
    if (!execs_trapped_ && trace_.enabled()) refresh_comms_locked();
    if (observer_) observer_();
  }
  release_zombies_locked(false);
}

// The pids allocated since the last look, and the retries, are probed; a /proc walk
// instead at the start, after a wrap or a long gap (then the newest pids are probed
// as well, for forks that have a pid but no task yet).
void tracker::scan_forks_locked() {
  pid_t last = read_ns_last_pid_locked();
  if (last < 0) {
    walk_proc_locked();  // no ns_last_pid: every observation walks
  } else if (walked_to_ < 0 || last < walked_to_ || last - walked_to_ > kMaxProbe) {
    walk_proc_locked();
    walked_to_ = std::max<pid_t>(0, last - kInFlightWindow);
  }
  if (last >= 0 && (last != walked_to_ || !retry_.empty())) {
    uint64_t now = monotonic_ns();
    // Whether a pid probed with result `r` is probed again at the next settle.
    auto keep = [&](pid_t pid, probe_result r, uint64_t since) {
      if (r == probe_result::settled) return false;
      if (r == probe_result::no_pid) {
        // Gone, or its fork is still inside alloc_pid() (harness/pid_probe.h): a pid
        // that new is looked at again for a short while.
        return pid > last - kRecentPids && now - since < kUnpublishedNs;
      }
      if (now - since < kRetryLimitNs) return true;
      if (trace_.enabled()) trace_.event("untracked", absl::StrFormat("\"pid\":%d", pid));
      return false;
    };
    size_t known = kernel_.nr_tasks();
    // Retries first: an older pid may be the parent of a newer one.
    std::vector<retry> again = std::exchange(retry_, {});
    for (const retry& r : again) {
      if (keep(r.pid, probe_locked(r.pid), r.since_ns)) retry_.push_back(r);
    }
    for (pid_t pid = walked_to_ + 1; pid <= last; pid++) {
      if (keep(pid, probe_locked(pid), now)) retry_.push_back({pid, now});
    }
    walked_to_ = last;
    if (!retry_.empty()) {
      // A walk's left-out pid may be in the probed window too.
      std::sort(retry_.begin(), retry_.end(),
                [](const retry& a, const retry& b) { return a.pid < b.pid; });
      retry_.erase(std::unique(retry_.begin(), retry_.end(),
                               [](const retry& a, const retry& b) { return a.pid == b.pid; }),
                   retry_.end());
      // A parent probed after its child (pids wrapped, or reparenting): once more, if
      // this settle mirrored a task (a retry's parent can only be a new one).
      if (kernel_.nr_tasks() != known) {
        // A loop, not erase_if: a lambda is not known to hold mu_ (clang's analysis).
        std::vector<retry> left;
        for (const retry& r : retry_) {
          if (probe_locked(r.pid) != probe_result::settled) left.push_back(r);
        }
        retry_ = std::move(left);
      }
    }
  }
  std::erase_if(pending_, [](const pending_fork& p) { return p.done; });
}

uk::task_struct* tracker::parent_locked(pid_t tgid_or_ppid, bool thread, unsigned long* flags) {
  *flags = 0;
  auto match = std::find_if(pending_.begin(), pending_.end(), [&](const pending_fork& p) {
    return p.tgid == tgid_or_ppid && static_cast<bool>(p.flags & CLONE_THREAD) == thread;
  });
  uk::task_struct* parent = nullptr;
  if (match != pending_.end()) {
    parent = kernel_.find_task_by_pid(match->tid);
    *flags = match->flags;
    pending_.erase(match);
  }
  if (!parent && (thread || procs_.contains(tgid_or_ppid))) {
    parent = kernel_.find_task_by_pid(tgid_or_ppid);
  }
  // An orphan whose parent died before anyone looked: below init.
  if (!parent && !thread && tgid_or_ppid == kernel_.init_task()->pid) parent = kernel_.init_task();
  return parent && !parent->zombie ? parent : nullptr;
}

tracker::probe_result tracker::probe_locked(pid_t pid) {
  if (kernel_.find_task_by_pid(pid)) return probe_result::settled;
  probes_++;
  pid_info info = prober_.probe(pid);
  switch (info.kind) {
    case pid_info::gone:
      return probe_result::no_pid;
    case pid_info::zombie:  // exited before uk saw it alive: never a task
      return probe_result::settled;
    case pid_info::in_flight:
      return probe_result::later;
    case pid_info::error:
      warn_locked(absl::StrCat("probing pid ", pid), info.err);
      return probe_result::later;
    case pid_info::process: {
      unsigned long flags;
      uk::task_struct* parent = parent_locked(info.ppid, false, &flags);
      if (!parent) {
        close(info.pidfd);
        return probe_result::later;
      }
      add_task_locked(parent, pid, flags, false, info.pidfd, &info.comm);
      return probe_result::settled;
    }
    case pid_info::thread: {
      if (info.tgid == kernel_.init_task()->tgid)
        return probe_result::settled;  // the supervisor's own
      unsigned long flags;
      uk::task_struct* parent = parent_locked(info.tgid, true, &flags);
      if (!parent) return probe_result::later;
      add_task_locked(parent, pid, CLONE_THREAD, true);
      return probe_result::settled;
    }
  }
  return probe_result::settled;
}

// Every pid in /proc that uk does not know yet and whose parent it knows becomes a
// task of that parent; repeated until nothing new appears (grandchildren). A pid
// left out (its parent not known yet) is probed again at the next settle.
void tracker::walk_proc_locked() {
  scans_++;
  uint64_t now = monotonic_ns();
  absl::flat_hash_set<pid_t> left_out;
  bool found = true;
  while (found) {
    found = false;
    for (pid_t pid : numeric_entries("/proc")) {
      if (kernel_.find_task_by_pid(pid)) continue;
      pid_t ppid = read_ppid(pid);
      if (ppid < 0) continue;
      unsigned long flags;
      uk::task_struct* parent = parent_locked(ppid, false, &flags);
      if (!parent || !add_task_locked(parent, pid, flags, false)) {
        left_out.insert(pid);
        continue;
      }
      left_out.erase(pid);
      found = true;
    }
  }
  // Threads: every supervised process's /proc/<tgid>/task.
  std::vector<pid_t> tgids;
  for (const auto& [tgid, p] : procs_) tgids.push_back(tgid);
  for (pid_t tgid : tgids) {
    for (pid_t tid : numeric_entries(absl::StrCat("/proc/", tgid, "/task"))) {
      if (kernel_.find_task_by_pid(tid)) continue;
      unsigned long flags;
      uk::task_struct* parent = parent_locked(tgid, true, &flags);
      if (!parent || !add_task_locked(parent, tid, CLONE_THREAD, true)) left_out.insert(tid);
    }
  }
  for (pid_t pid : left_out) {
    if (std::none_of(retry_.begin(), retry_.end(), [pid](const retry& r) { return r.pid == pid; }))
      retry_.push_back({pid, now});
  }
}

void tracker::update_execs_locked() {
  for (auto it = pending_exec_.begin(); it != pending_exec_.end();) {
    auto cur = it++;
    uk::task_struct* t = kernel_.find_task_by_pid(cur->first);
    if (!t || t->zombie) {
      pending_exec_.erase(cur);
      continue;
    }
    std::string comm = read_comm(t->tgid, t->pid);
    if (comm.empty() || comm == t->get_task_comm()) continue;  // not yet, or failed: next time
    std::string_view file = cur->second;
    std::string_view base = file.substr(file.rfind('/') + 1);
    kernel_.do_exec(t, base.substr(0, uk::TASK_COMM_LEN - 1) == comm ? file : comm);
    // An exec ends every other thread of the group (de_thread).
    for (pid_t tid : threads_locked(t->tgid)) {
      if (tid == t->pid) continue;
      if (access(absl::StrCat("/proc/", t->tgid, "/task/", tid).c_str(), F_OK) != 0) {
        exit_task_locked(kernel_.find_task_by_pid(tid), 0);
      }
    }
    pending_exec_.erase(cur);
  }
}

uk::task_struct* tracker::add_task_locked(uk::task_struct* parent, pid_t tid, unsigned long flags,
                                          bool thread, int pidfd, const std::string* probed_comm) {
  unsigned long f = CLONE_FILES | CLONE_FS | (thread ? CLONE_THREAD : 0);
  auto r = kernel_.do_fork(parent, f | (flags & uk::kNamespaceFlags), tid);
  if (!r.ok() && (flags & uk::kNamespaceFlags)) r = kernel_.do_fork(parent, f, tid);
  if (!r.ok()) {
    if (pidfd >= 0) close(pidfd);
    return nullptr;
  }
  uk::task_struct* t = r.value();
  if (!watch_locked(t, pidfd)) return nullptr;
  std::string comm = probed_comm ? *probed_comm : read_comm(t->tgid, tid);
  if (!comm.empty() && comm != t->get_task_comm()) kernel_.do_exec(t, comm);
  if (trace_.enabled()) {
    trace_.event(thread ? "clone" : "fork",
                 absl::StrFormat("\"pid\":%d,\"tgid\":%d,\"parent\":%d,\"comm\":\"%s\"", tid,
                                 t->tgid, parent->pid, json_escape(t->get_task_comm())));
  }
  if (event_checks_) check_event_locked(tid, t);
  last_warned_errno_ = 0;  // recovered: the next failure is reported again
  return t;
}

// After a fork (t: the new task) or an exit (t null: the pid must be a zombie or gone).
void tracker::check_event_locked(pid_t tid, uk::task_struct* t) {
  constexpr size_t kMaxKept = 100;  // a broken invariant repeats: keep the first ones
  std::vector<std::string> v;
  if (t) {
    v = uk::check_task(kernel_, t);
  } else if (uk::task_struct* z = kernel_.find_task_by_pid(tid); z && !z->zombie) {
    v.push_back(absl::StrCat("task ", tid, " is still alive in the task table after its exit"));
  }
  for (std::string& s : v) {
    if (event_violations_.size() < kMaxKept) event_violations_.push_back(std::move(s));
  }
}

void tracker::warn_locked(const std::string& what, int err) {
  // Once per errno in a row: running out of fds would otherwise print at every probe.
  if (err == last_warned_errno_) return;
  last_warned_errno_ = err;
  fprintf(stderr, "uk-run: tracker: %s: %s (a process may be missed until it recovers)\n",
          what.c_str(), strerror(err));
}

}  // namespace ukrun
