// cpuacct's reaped time (see harness/reaped_time.h).
#include "harness/reaped_time.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/host_file.h"

namespace ukrun {

namespace {

// Whether process `tgid` has been reaped: kill(0) succeeds while it lives or is a
// zombie. A pid reused meanwhile reads as not reaped, which only delays the subtraction.
bool reaped(pid_t tgid) { return kill(tgid, 0) != 0 && errno == ESRCH; }

}  // namespace

reaped_time::reaped_time(pid_t init) : init_(init) {
  std::optional<child_times> before = read_reaped(init_);  // before the run: nobody's
  absl::MutexLock l(&mu_);
  if (before) {
    procs_[init_].seen = before->user + before->sys;
    procs_[init_].seen_user = before->user;
  }
}

// Fields 16 and 17, cutime and cstime.
std::optional<reaped_time::child_times> reaped_time::read_reaped(pid_t pid) {
  auto fields = read_proc_stat_fields(absl::StrCat("/proc/", pid, "/stat"));
  uint64_t cutime, cstime;
  if (!fields || fields->size() < 15 || !absl::SimpleAtoi((*fields)[13], &cutime) ||
      !absl::SimpleAtoi((*fields)[14], &cstime)) {
    return std::nullopt;
  }
  return child_times{clock_ticks_ns(cutime), clock_ticks_ns(cstime)};
}

// A new process's cutime is 0 (copy_signal), so no reading is needed.
void reaped_time::forked(pid_t tgid, pid_t ppid) {
  absl::MutexLock l(&mu_);
  procs_[tgid] = proc{.ppid = ppid};
}

void reaped_time::charged(pid_t tgid, uint64_t ns) {
  absl::MutexLock l(&mu_);
  if (auto it = procs_.find(tgid); it != procs_.end()) it->second.accounted += ns;
}

uk::reaped_cputime reaped_time::settle(proc& p, std::optional<child_times> now) {
  // A reaped child's charged time is subtracted from the cutime that now shows it, and
  // stays part of this process's own accounted total (its reaper's cutime has it too).
  std::erase_if(p.dead, [&p](const std::pair<pid_t, uint64_t>& d) {
    if (!reaped(d.first)) return false;
    p.debt += d.second;
    p.accounted += d.second;
    return true;
  });
  uint64_t total = now ? now->user + now->sys : 0;
  uint64_t got = total > p.seen ? total - p.seen : 0;
  uint64_t got_user = now && now->user > p.seen_user ? now->user - p.seen_user : 0;
  if (now) {
    p.seen = std::max(p.seen, total);
    p.seen_user = std::max(p.seen_user, now->user);
  }
  uint64_t paid = std::min(got, p.debt);
  p.debt -= paid;
  uk::reaped_cputime net{.ns = got - paid};
  p.accounted += net.ns;
  if (got > 0) {
    net.user = static_cast<uint64_t>(static_cast<unsigned __int128>(net.ns) *
                                     std::min(got_user, got) / got);
  }
  return net;
}

uk::reaped_cputime reaped_time::take_reaped(pid_t tgid, bool exiting) {
  // Read before the reaped checks in settle(): a child reaped in between is then
  // subtracted before its time shows (a debt, paid by the next reading), never counted
  // twice.
  std::optional<child_times> now = read_reaped(tgid);
  absl::MutexLock l(&mu_);
  auto it = procs_.find(tgid);
  if (it == procs_.end()) return {};
  uk::reaped_cputime net = settle(it->second, now);
  if (exiting && tgid != init_) {
    proc& p = it->second;
    // What was charged for it is subtracted from its reaper once that has reaped it;
    // its own dead children not reaped yet are reparented to init, which reaps them.
    std::vector<std::pair<pid_t, uint64_t>> orphans = std::move(p.dead);
    std::pair<pid_t, uint64_t> self{tgid, p.accounted};
    pid_t reaper = procs_.contains(p.ppid) ? p.ppid : init_;
    procs_.erase(it);
    procs_[reaper].dead.push_back(self);
    auto& init_dead = procs_[init_].dead;
    init_dead.insert(init_dead.end(), orphans.begin(), orphans.end());
    // Reaped before uk read it (its parent's wait won the race with the exit's
    // observation): its last stretch and its unseen children's time are in the
    // reaper's cutime now, past what was charged for it. They are this process's, so
    // they go to its container: the reaper's reading now, which counts as the
    // reaper's (accounted), is this exit's. What else the reaper reaped since its
    // last reading (children that were never tasks) goes with it.
    if (!now && reaped(tgid)) {
      uk::reaped_cputime more = settle(procs_[reaper], read_reaped(reaper));
      net.ns += more.ns;
      net.user += more.user;
    }
  }
  return net;
}

}  // namespace ukrun
