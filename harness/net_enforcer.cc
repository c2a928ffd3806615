#include "harness/net_enforcer.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "harness/host_clock.h"
#include "harness/host_file.h"
#include "uk/container_core.h"
#include "uk/containerfs_root.h"
#include "uk/task.h"

namespace ukrun {

std::vector<uint64_t> net_split(const net_split_input& in) {
  const size_t ngroups = in.groups.size();
  // The limited containers each group is in (itself and its ancestors).
  std::vector<std::vector<int>> limits(ngroups);
  for (size_t g = 0; g < ngroups; g++) {
    int parent = in.groups[g].parent;
    if (parent >= 0 && static_cast<size_t>(parent) < g) limits[g] = limits[parent];
    if (in.groups[g].rate_bps != 0) limits[g].push_back(static_cast<int>(g));
  }
  // Each socket counts once in every limited container above one of its holders.
  std::vector<std::vector<int>> cover(in.sockets.size());
  std::vector<uint64_t> senders(ngroups, 0);
  for (size_t s = 0; s < in.sockets.size(); s++) {
    for (int h : in.sockets[s].holders) {
      if (h < 0 || static_cast<size_t>(h) >= ngroups) continue;
      cover[s].insert(cover[s].end(), limits[h].begin(), limits[h].end());
    }
    std::sort(cover[s].begin(), cover[s].end());
    cover[s].erase(std::unique(cover[s].begin(), cover[s].end()), cover[s].end());
    if (!in.sockets[s].listening) {
      for (int c : cover[s]) senders[c]++;
    }
  }
  std::vector<uint64_t> rates(in.sockets.size(), kUnpaced);
  for (size_t s = 0; s < in.sockets.size(); s++) {
    for (int c : cover[s]) {
      uint64_t share = in.groups[c].rate_bps / 8 / (senders[c] + (in.sockets[s].listening ? 1 : 0));
      // 0 would mean "no pacing" to the kernel (tcp_update_skb_after_send skips it).
      rates[s] = std::min(rates[s], std::max<uint64_t>(share, 1));
    }
  }
  return rates;
}

namespace {

// "socket:[123]" -> 123, else 0.
uint64_t socket_inode(const std::string& link) {
  uint64_t ino = 0;
  if (link.size() < 10 || link.compare(0, 8, "socket:[") != 0 || link.back() != ']') return 0;
  return absl::SimpleAtoi(absl::string_view(link).substr(8, link.size() - 9), &ino) ? ino : 0;
}

// The fds of `tgid` that are sockets: (fd, inode).
std::vector<std::pair<int, uint64_t>> socket_fds(pid_t tgid) {
  std::vector<std::pair<int, uint64_t>> out;
  std::string dir = absl::StrFormat("/proc/%d/fd", tgid);
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    int fd;
    if (!absl::SimpleAtoi(e->d_name, &fd)) continue;
    char buf[64];
    ssize_t n = readlinkat(dirfd(d), e->d_name, buf, sizeof buf);
    uint64_t ino = n > 0 ? socket_inode(std::string(buf, n)) : 0;
    if (ino != 0) out.emplace_back(fd, ino);
  }
  closedir(d);
  return out;
}

struct member {
  pid_t tid, tgid;
  int group;
};

// Depth first, parents before children, as net_split wants.
void walk(uk::container_core& core, uk::net_subsys& net, const uk::container* cont, int parent,
          net_split_input& in, std::vector<member>& members)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.container_mutex) {
  int index = static_cast<int>(in.groups.size());
  net.assert_container_mutex_held();
  in.groups.push_back({parent, net.rate_of(cont)});
  core.container_iter(cont, [&](uk::task_struct* t) {
    absl::MutexLock l(&t->alloc_lock);
    if (t->zombie || (t->flags & uk::PF_EXITING) || !t->real) return;
    members.push_back({t->pid, t->tgid, index});
  });
  for (const uk::container* child : cont->children) walk(core, net, child, index, in, members);
}

}  // namespace

net_enforcer::net_enforcer(uk::kernel& k, tracker& tr, trace_log& trace)
    : kernel_(k),
      tracker_(tr),
      trace_(trace),
      net_(static_cast<uk::net_subsys*>(k.containers().subsys(uk::net_subsys_id))),
      self_(getpid()) {
  net_->set_change_notifier([this] { kick(); });
}

net_enforcer::~net_enforcer() {
  net_->set_change_notifier(nullptr);
  {
    absl::MutexLock l(&wake_mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock l(&pass_mu_);
  for (const auto& [ino, p] : paced_) set_rate(p.tgid, p.fd, ino, kUnpaced);
  paced_.clear();
  if (trace_.enabled()) {
    trace_.event(
        "net_stats",
        absl::StrFormat("\"passes\":%d,\"sets\":%d,\"pass_us_avg\":%.1f,\"pass_us_max\":%.1f",
                        stats_.passes, stats_.sets,
                        stats_.passes ? stats_.pass_ns / 1e3 / stats_.passes : 0.0,
                        stats_.max_pass_ns / 1e3));
  }
}

void net_enforcer::start() {
  thread_ = std::thread([this] { run(); });
}

void net_enforcer::kick() {
  absl::MutexLock l(&wake_mu_);
  kicked_ = true;
}

net_enforcer::stats net_enforcer::get_stats() {
  absl::MutexLock l(&pass_mu_);
  return stats_;
}

void net_enforcer::run() {
  while (true) {
    {
      absl::MutexLock l(&wake_mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) { return kicked_ || stop_; };
      if (active_) {
        wake_mu_.AwaitWithTimeout(absl::Condition(&woken), absl::Milliseconds(100));
      } else {
        wake_mu_.Await(absl::Condition(&woken));  // no limit: nothing to do until a write
      }
      if (stop_) return;
      kicked_ = false;
    }
    absl::MutexLock l(&pass_mu_);
    pass(-1, -1);
  }
}

void net_enforcer::on_socket_call(pid_t tid, int fd, bool connecting) {
  if (!net_->any_limit()) return;
  // Only a thread in a limited container needs the pass before its syscall (a socket
  // it shares with a limited one is caught by the next periodic pass).
  {
    // Pinned for the look only: an exit frees a task once no pin is held (tracker.h).
    tracker::pinned_task pinned = tracker_.task_for(tid);
    if (pinned.task != nullptr) {
      uk::container_core& core = kernel_.containers();
      // Under container_mutex from the read on: no attach or rmdir frees `c` meanwhile.
      absl::MutexLock l(&core.container_mutex);
      uk::container* c = core.task_container(pinned.task, uk::net_subsys_id);
      net_->assert_container_mutex_held();
      if (net_->effective_rate_bps(c) == 0) return;
    }
  }
  absl::MutexLock l(&pass_mu_);
  pass(connecting ? tid : -1, fd, /*settled=*/true);  // task_for() above settled
}

int net_enforcer::grab(pid_t tgid, int fd, uint64_t ino) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, tgid, 0));
  if (pidfd < 0) return -1;
  // A duplicate of the tracee's open file (O_CLOEXEC): the same socket.
  int dup = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  close(pidfd);
  if (dup < 0) return -1;
  struct stat st;
  if (fstat(dup, &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_ino != ino) {
    close(dup);  // the fd was closed, or reused, since /proc was read
    return -1;
  }
  return dup;
}

bool net_enforcer::apply(int dup, pid_t tgid, uint64_t ino, uint64_t bytes_per_s) {
  unsigned long v = bytes_per_s;  // 64 bits: the kernel reads an unsigned long
  if (setsockopt(dup, SOL_SOCKET, SO_MAX_PACING_RATE, &v, sizeof v) != 0) return false;
  stats_.sets++;
  if (trace_.enabled()) {
    trace_.event("net_rate",
                 absl::StrFormat("\"pid\":%d,\"inode\":%d,\"bytes_per_s\":%d", tgid, ino,
                                 bytes_per_s == kUnpaced ? -1 : int64_t(bytes_per_s)));
  }
  return true;
}

bool net_enforcer::set_rate(pid_t tgid, int fd, uint64_t ino, uint64_t bytes_per_s) {
  int dup = grab(tgid, fd, ino);
  if (dup < 0) return false;
  bool ok = apply(dup, tgid, ino, bytes_per_s);
  close(dup);
  return ok;
}

void net_enforcer::pass(pid_t extra_tid, int extra_fd, bool settled) {
  const uint64_t start = monotonic_ns();
  if (!settled) tracker_.settle();
  net_split_input in;
  std::vector<member> members;
  {
    uk::container_core& core = kernel_.containers();
    absl::MutexLock l(&core.container_mutex);
    const uk::containerfs_root* root = net_->root;
    if (root != nullptr && root != core.rootnode()) {
      walk(core, *net_, &root->top_container, -1, in, members);
    }
  }
  bool limited = std::any_of(in.groups.begin(), in.groups.end(),
                             [](const net_split_input::group& g) { return g.rate_bps != 0; });
  if (limited || !paced_.empty()) {
    // The processes, with the groups their threads are in.
    absl::flat_hash_map<pid_t, std::vector<int>> procs;
    int extra_group = -1;
    pid_t extra_tgid = -1;
    for (const member& m : members) {
      if (m.tgid == self_) continue;
      std::vector<int>& gs = procs[m.tgid];
      if (std::find(gs.begin(), gs.end(), m.group) == gs.end()) gs.push_back(m.group);
      if (m.tid == extra_tid) {
        extra_group = m.group;
        extra_tgid = m.tgid;
      }
    }
    // The distinct sockets (by inode) and one (process, fd) to reach each; sockets known
    // not to be TCP are skipped.
    std::map<uint64_t, size_t> index;  // inode -> found
    struct found_socket {
      pid_t tgid;
      int fd;
      std::vector<int> holders;
    };
    std::vector<found_socket> found;
    auto add = [&](uint64_t ino, pid_t tgid, int fd, const std::vector<int>& gs) {
      auto [it, fresh] = index.emplace(ino, found.size());
      if (fresh) found.push_back({tgid, fd, {}});
      std::vector<int>& holders = found[it->second].holders;
      for (int g : gs) {
        if (std::find(holders.begin(), holders.end(), g) == holders.end()) holders.push_back(g);
      }
    };
    absl::flat_hash_set<uint64_t> not_tcp;
    for (const auto& [tgid, gs] : procs) {
      for (const auto& [fd, ino] : socket_fds(tgid)) {
        if (not_tcp_.contains(ino)) {
          not_tcp.insert(ino);
        } else {
          add(ino, tgid, fd, gs);
        }
      }
    }
    uint64_t extra_ino = 0;
    if (extra_group >= 0) {
      // connect(): the calling thread's own container holds the socket.
      extra_ino = socket_inode(
          read_host_link(absl::StrFormat("/proc/%d/fd/%d", extra_tgid, extra_fd)).value_or(""));
      if (extra_ino != 0 && !not_tcp_.contains(extra_ino)) {
        add(extra_ino, extra_tgid, extra_fd, {extra_group});
      }
    }
    // Classify each on a duplicate (kept for the setsockopt below): TCP or not (for
    // good), listening, sending (connected, or being connected by the trap), or
    // neither (not yet connected, or closed: not counted).
    std::vector<uint64_t> inodes;
    std::vector<int> dups;
    absl::flat_hash_set<uint64_t> unsent;
    for (const auto& [ino, i] : index) {
      int dup = grab(found[i].tgid, found[i].fd, ino);
      if (dup < 0) continue;
      int domain = 0, protocol = 0;
      socklen_t len = sizeof domain;
      getsockopt(dup, SOL_SOCKET, SO_DOMAIN, &domain, &len);
      len = sizeof protocol;
      getsockopt(dup, SOL_SOCKET, SO_PROTOCOL, &protocol, &len);
      if ((domain != AF_INET && domain != AF_INET6) || protocol != IPPROTO_TCP) {
        not_tcp.insert(ino);
        close(dup);
        continue;
      }
      tcp_info ti = {};
      len = sizeof ti;
      if (getsockopt(dup, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) ti.tcpi_state = TCP_CLOSE;
      bool listening = ti.tcpi_state == TCP_LISTEN;
      if (ti.tcpi_state == TCP_CLOSE && ino != extra_ino) {
        // Not counted; one paced by a connect trap whose connect() has not run yet
        // keeps its rate.
        if (paced_.contains(ino)) unsent.insert(ino);
        close(dup);
        continue;
      }
      in.sockets.push_back({found[i].holders, listening});
      inodes.push_back(ino);
      dups.push_back(dup);
    }
    not_tcp_ = std::move(not_tcp);
    std::vector<uint64_t> rates = net_split(in);
    absl::flat_hash_set<uint64_t> seen;
    for (size_t i = 0; i < inodes.size(); i++) {
      uint64_t ino = inodes[i];
      seen.insert(ino);
      auto it = paced_.find(ino);
      if (rates[i] == kUnpaced) {
        // Out of every limit now (moved, or the limit lifted).
        if (it != paced_.end()) {
          apply(dups[i], found[index[ino]].tgid, ino, kUnpaced);
          paced_.erase(it);
        }
      } else if (it == paced_.end() || it->second.rate != rates[i]) {
        const found_socket& f = found[index[ino]];
        if (apply(dups[i], f.tgid, ino, rates[i])) paced_[ino] = {f.tgid, f.fd, rates[i]};
      }
      close(dups[i]);
    }
    // Paced sockets no task holds any more (closed, or the hierarchy is gone): lift the
    // rate if the same socket is still there, and forget them.
    for (auto it = paced_.begin(); it != paced_.end();) {
      if (seen.contains(it->first) || unsent.contains(it->first)) {
        ++it;
        continue;
      }
      set_rate(it->second.tgid, it->second.fd, it->first, kUnpaced);
      it = paced_.erase(it);
    }
  }
  {
    absl::MutexLock l(&wake_mu_);
    active_ = limited || !paced_.empty();
  }
  uint64_t took = monotonic_ns() - start;
  stats_.passes++;
  stats_.pass_ns += took;
  stats_.max_pass_ns = std::max(stats_.max_pass_ns, took);
}

}  // namespace ukrun
