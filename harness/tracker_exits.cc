// The tracker's exits and execs as observed: a pidfd per process and a PIDFD_THREAD
// pidfd per other thread, all in exit_ep_, read at every observation; comms from /proc.
// With --exact-exits, the exit and exit_group traps too (harness/README.md).
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/thread_pidfd.h"
#include "harness/tracker.h"

namespace ukrun {

namespace {

// exit_ep_'s data: a thread's tid with kThreadTag, an exited process's tgid with
// kReapTag (its pidfd, watched for EPOLLHUP only: the host has reaped it), a live
// process's tgid with neither.
constexpr uint64_t kThreadTag = 1ull << 32;
constexpr uint64_t kReapTag = 1ull << 33;

}  // namespace

bool tracker::watch_locked(uk::task_struct* t, int pidfd) {
  pid_t tid = t->pid;
  bool thread = !t->is_thread_group_leader();
  if (!thread && tid == exiting_) {
    // First seen at its own exit_group trap (--exact-exits), whose exit runs before the
    // reply: its death needs no watching.
    if (pidfd >= 0) close(pidfd);
    procs_[tid].pidfd = -1;
    return true;
  }
  if (thread) {
    if (auto it = procs_.find(t->tgid); it != procs_.end()) it->second.threads.push_back(tid);
    if (!thread_pidfds_) {
      unwatched_threads_.push_back(tid);
      return true;
    }
  }
  int fd = pidfd >= 0 ? pidfd
                      : static_cast<int>(syscall(SYS_pidfd_open, tid, thread ? kPidfdThread : 0));
  if (fd < 0 && thread && errno == EINVAL) {
    // Before Linux 6.9: no thread pidfds; every observation looks in /proc instead.
    thread_pidfds_ = false;
    unwatched_threads_.push_back(tid);
    return true;
  }
  epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.u64 = static_cast<uint64_t>(tid) | (thread ? kThreadTag : 0);
  if (fd < 0 || epoll_ctl(exit_ep_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    // Gone between the look and now (ESRCH), or out of fds: without a pidfd its death
    // would go unseen, so it is not a task (the next check says so).
    if (fd < 0 && errno != ESRCH) warn_locked(absl::StrCat("pidfd_open(", tid, ")"), errno);
    if (fd >= 0) {
      warn_locked(absl::StrCat("epoll_ctl(pidfd of ", tid, ")"), errno);
      close(fd);
    }
    exit_task_locked(t, 0);
    return false;
  }
  if (thread) {
    thread_fds_[tid] = fd;
  } else {
    procs_[tid].pidfd = fd;
  }
  return true;
}

// The pidfds of the dead are readable in exit_ep_: O(dead ones), not O(all). A process
// pidfd is readable once every thread has exited (before the parent reaps it), a
// thread's once that thread has; an exited process's hangs up once the host reaped it.
void tracker::reap_dead_locked() {
  if (exit_ep_ < 0) return;
  answered_.load(std::memory_order_acquire);  // after the dead's answered traps
  epoll_event evs[64];
  int n;
  while ((n = epoll_wait(exit_ep_, evs, 64, 0)) > 0) {
    for (int i = 0; i < n; i++) {
      uint64_t d = evs[i].data.u64;
      pid_t pid = static_cast<pid_t>(d & 0xffffffffu);
      if (d & kReapTag) {
        if (auto it = reap_fds_.find(pid); it != reap_fds_.end()) {
          close(it->second);  // leaves exit_ep_ with it
          reap_fds_.erase(it);
          zombies_.push_back(pid);  // for release_zombies_locked
          have_zombies_.store(true, std::memory_order_relaxed);
        }
      } else if (!(d & kThreadTag)) {
        exit_process_locked(pid, 0);
      } else if (uk::task_struct* t = kernel_.find_task_by_pid(pid);
                 t && !t->is_thread_group_leader()) {
        exit_task_locked(t, 0);
      }
    }
    if (n < 64) break;
  }
  for (size_t i = 0; i < unwatched_threads_.size();) {
    pid_t tid = unwatched_threads_[i];
    uk::task_struct* t = kernel_.find_task_by_pid(tid);
    if (t && !t->zombie &&
        access(absl::StrCat("/proc/", t->tgid, "/task/", tid).c_str(), F_OK) != 0) {
      exit_task_locked(t, 0);  // drops it from unwatched_threads_
    } else if (!t || t->zombie) {
      unwatched_threads_.erase(unwatched_threads_.begin() + i);
    } else {
      i++;
    }
  }
}

bool tracker::settled_enough_locked(pid_t tid, depends on) {
  // With a trace every observation logs the execs it finds; before Linux 6.9 the
  // threads' exits are looked up in /proc, not in exit_ep_.
  if (trace_.enabled() || !unwatched_threads_.empty()) return false;
  uk::task_struct* t = kernel_.find_task_by_pid(tid);
  if (!t || t->zombie) return false;
  if (on == depends::caller_only) return true;
  // A node of the ns subsystem (node_<pid>) is made when such a fork is mirrored or
  // such an unshare seen, by a settle.
  if (!pending_unshare_.empty()) return false;
  for (const pending_fork& p : pending_) {
    if (p.flags & uk::kNamespaceFlags) return false;
  }
  // No pidfd readable: no watched task has died, so none leaves a container, and `t`
  // is the live caller (its pid cannot have been reused).
  epoll_event ev;
  return exit_ep_ >= 0 && epoll_wait(exit_ep_, &ev, 1, 0) == 0;
}

void tracker::refresh_comms_locked() {
  for (const auto& [tgid, p] : procs_) {
    uk::task_struct* t = kernel_.find_task_by_pid(tgid);
    if (!t || t->zombie) continue;
    std::string comm = read_comm(tgid, tgid);
    if (comm.empty() || comm == t->get_task_comm()) continue;
    kernel_.do_exec(t, comm);
    if (trace_.enabled()) {
      trace_.event("exec", absl::StrFormat("\"pid\":%d,\"comm\":\"%s\"", tgid, json_escape(comm)));
    }
  }
}

void tracker::thread_exit(pid_t tid) {
  absl::MutexLock l(&mu_);
  settle_locked(/*observation=*/false);
  // An unshare that returned: the patch's node_<pid> outlives the thread.
  if (pending_unshare_.contains(tid)) update_unshares_locked(tid, true);
  uk::task_struct* t = kernel_.find_task_by_pid(tid);
  if (!t || t->zombie) return;
  if (t->is_thread_group_leader() && threads_locked(t->tgid).size() == 1) {
    exit_process_locked(t->tgid, 0);  // the last thread: the process is gone
  } else if (!t->is_thread_group_leader()) {
    exit_task_locked(t, 0);
  }
  // A leader leaving while other threads run stays a task until the group exits.
}

void tracker::group_exit(pid_t tid, int code) {
  absl::MutexLock l(&mu_);
  // An exec of the leaving process is not confirmed (a /proc read per exec: `sh -c`
  // loops exec and exit at once): the new comm would show nowhere, and the threads
  // an exec ended exit now with the rest.
  pending_exec_.erase(tid);
  if (uk::task_struct* t = kernel_.find_task_by_pid(tid)) {
    for (pid_t thread : threads_locked(t->tgid)) pending_exec_.erase(thread);
  }
  exiting_ = tid;
  settle_locked(/*observation=*/false);
  exiting_ = 0;
  if (pending_unshare_.contains(tid)) update_unshares_locked(tid, true);
  uk::task_struct* t = kernel_.find_task_by_pid(tid);
  if (t) exit_process_locked(t->tgid, code);
}

void tracker::reap_exited() {
  absl::MutexLock l(&mu_);
  settle_locked();  // new children first, while they are still the dead one's own
}

void tracker::exit_task_locked(uk::task_struct* t, int code) {
  if (!t || t->zombie) return;
  pid_t tid = t->pid;
  // An unshare that returned: the patch's node_<pid> outlives the thread.
  if (pending_unshare_.contains(tid)) unshare_at_exit_locked(tid);
  if (trace_.enabled()) {
    trace_.event("exit", absl::StrFormat("\"pid\":%d,\"tgid\":%d,\"code\":%d", tid, t->tgid, code));
  }
  if (!t->is_thread_group_leader()) {
    if (auto it = procs_.find(t->tgid); it != procs_.end()) std::erase(it->second.threads, tid);
    if (auto it = thread_fds_.find(tid); it != thread_fds_.end()) {
      close(it->second);  // leaves exit_ep_ with it
      thread_fds_.erase(it);
    }
    std::erase(unwatched_threads_, tid);
  }
  kernel_.do_exit(t, code);
  zombies_.push_back(tid);
  have_zombies_.store(true, std::memory_order_relaxed);
  if (event_checks_) check_event_locked(tid, nullptr);
}

std::vector<pid_t> tracker::threads_locked(pid_t tgid) {
  std::vector<pid_t> out;
  if (auto it = procs_.find(tgid); it != procs_.end()) out = it->second.threads;
  uk::task_struct* leader = kernel_.find_task_by_pid(tgid);
  if (leader && !leader->zombie) out.push_back(tgid);
  return out;
}

void tracker::exit_process_locked(pid_t tgid, int code) {
  // Threads first, the leader last (threads_locked's order), as the group empties. A
  // leader that left early (pthread_exit) is still in the table until now.
  for (pid_t tid : threads_locked(tgid)) {
    uk::task_struct* t = kernel_.find_task_by_pid(tid);
    if (t && t != kernel_.init_task()) exit_task_locked(t, code);
  }
  auto it = procs_.find(tgid);
  if (it != procs_.end()) {
    if (int fd = it->second.pidfd; fd >= 0) {
      uk::task_struct* leader = kernel_.find_task_by_pid(tgid);
      epoll_event ev = {};
      ev.data.u64 = static_cast<uint64_t>(tgid) | kReapTag;  // events 0: EPOLLHUP only
      if (leader && leader->zombie && !reap_fds_.contains(tgid) &&
          epoll_ctl(exit_ep_, EPOLL_CTL_MOD, fd, &ev) == 0) {
        reap_fds_[tgid] = fd;
      } else {
        close(fd);  // leaves exit_ep_ with it
      }
    }
    procs_.erase(it);
  }
  std::erase_if(pending_, [tgid](const pending_fork& p) { return p.tgid == tgid && p.done; });
}

}  // namespace ukrun
