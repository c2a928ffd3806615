// The supervisor's run: COMMAND started under the filter, the notification thread,
// the main loop (signals, deaths, --check) and the end of the run.
#include "harness/supervisor.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "harness/caller_caps.h"
#include "harness/host_file.h"
#include "harness/seccomp_filter.h"
#include "harness/thread_stop.h"
#include "subsys/cpu.h"
#include "subsys/cpuacct.h"
#include "subsys/subsystems.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace ukrun {

std::function<void()> supervisor::stderr_once(std::string line) {
  auto said = std::make_shared<std::atomic<bool>>(false);
  return [said, line = std::move(line)] {
    if (!said->exchange(true)) fprintf(stderr, "%s\n", line.c_str());
  };
}

absl::Status supervisor::start_command() {
  auto prog = build_filter({.proc = opts_.proc,
                            .forks = opts_.pids,
                            .sockets = opts_.net,
                            .execs = !opts_.rules.empty(),
                            .exits = opts_.exact_exits});
  if (!prog.ok()) return prog.status();
  auto cgroupns = build_cgroupns_filter();
  if (!cgroupns.ok()) return cgroupns.status();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return absl::ErrnoToStatus(errno, "socketpair");
  }
  std::vector<char*> argv;
  for (auto& a : opts_.command) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    // COMMAND: gets its caller's signal state, bounding set and fd limit back, loads the filter
    // and hands the listener to the supervisor, then waits to be a task. It dies with
    // the supervisor, pid 1 of its pid namespace, without a PR_SET_PDEATHSIG, which it
    // would keep across exec (PR_GET_PDEATHSIG would say SIGKILL; natively 0).
    close(sv[0]);
    restore_caller_signals(opts_.signals);
    restore_caller_bounding_set(opts_.bounding_set);
    setrlimit(RLIMIT_NOFILE, &opts_.nofile);
    long lfd = install_plain_filter(*cgroupns) == 0 ? install_filter(*prog) : -1;
    if (lfd < 0) {
      // EBUSY: seccomp_attach_filter's has_duplicate_listener, one listener per chain.
      fprintf(stderr, "uk-run: seccomp: %s\n",
              errno == EBUSY ? "a filter with a listener is already in place (another uk-run "
                               "or seccomp supervisor runs this one): the kernel allows one "
                               "(EBUSY)"
                             : strerror(errno));
      _exit(126);
    }
    if (send_fd(sv[1], static_cast<int>(lfd)) != 0) _exit(126);
    close(static_cast<int>(lfd));
    char go;
    if (read(sv[1], &go, 1) != 1) _exit(126);
    close(sv[1]);
    execvp(argv[0], argv.data());
    int err = errno;
    fprintf(stderr, "uk-run: %s: %s\n", argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }
  close(sv[1]);
  child_ = pid;
  notify_fd_ = recv_fd(sv[0]);
  if (notify_fd_ < 0) {
    close(sv[0]);
    return absl::InternalError("the command did not hand over its seccomp listener");
  }
  // Wake this thread on the tracee's CPU (Linux 6.6+; ignored before).
  ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
  tracker_.add_root_process(pid);
  for (const auto& [ss, path] : opts_.groups) {
    absl::Status s = join_group(pid, ss, path);
    if (!s.ok()) {
      kill(pid, SIGKILL);
      close(sv[0]);
      return s;
    }
  }
  char go = 1;
  if (write(sv[0], &go, 1) != 1) return absl::ErrnoToStatus(errno, "starting the command");
  close(sv[0]);
  return absl::OkStatus();
}

void supervisor::reap_children() {
  int status;
  pid_t pid;
  // COMMAND's stops too (WUNTRACED), for the outer uk-run.
  while (child_status_ < 0 && (pid = waitpid(child_, &status, WNOHANG | WUNTRACED)) > 0) {
    if (WIFSTOPPED(status)) {
      on_command_stopped(WSTOPSIG(status));
    } else {
      child_status_ = status;
    }
  }
  while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
    if (pid == child_) {
      child_status_ = status;
    } else {
      agents_.reaped(pid, status);
    }
  }
}

// The supervisor shares COMMAND's process group, as the outer uk-run does, so a signal
// sent to that group reaches it too, and is already queued when the outer uk-run's
// forward of it arrives: kill(2) queues a copy to every member in one pass under the
// tasklist lock (kernel/signal.c __kill_pgrp_info), long before the outer uk-run's
// handler has run. One sent to the outer uk-run alone reaches no other process of it.
// (The supervisor's name is not uk-run's, so `pkill uk-run` signals the outer uk-run
// alone.) A signal the terminal sent the group (SI_KERNEL) is not forwarded at all.
void supervisor::read_own_signals() {
  signalfd_siginfo si;
  while (read(signal_fd_, &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGCHLD) {
      reap_children();
    } else if (si.ssi_code == SI_USER && si.ssi_pid != static_cast<uint32_t>(getpid()) &&
               child_status_ < 0) {
      // (Not the SIGPIPE of its own write to a closed pipe. Once COMMAND has ended
      // nothing is forwarded: the run goes on without a record.)
      group_copies_.emplace_back(static_cast<int>(si.ssi_signo), monotonic_ns());
    }
  }
  for (int n = group_sigusr1_.exchange(0); n > 0 && child_status_ < 0; n--) {
    group_copies_.emplace_back(SIGUSR1, monotonic_ns());
  }
}

std::atomic<int> supervisor::group_sigusr1_{0};

void supervisor::note_group_sigusr1() { group_sigusr1_.fetch_add(1); }

bool supervisor::forwarded_signal(int sig) {
  switch (sig) {
    case SIGKILL:
    case SIGSTOP:
    case SIGCHLD:
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGSYS:
      return false;
    default:
      return sig >= 1 && sig <= SIGRTMAX && (sig < 32 || sig >= SIGRTMIN);
  }
}

sigset_t supervisor::blocked_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGCHLD);
  for (int sig = 1; sig <= SIGRTMAX; sig++) {
    if (forwarded_signal(sig) && sig != SIGCONT && sig != SIGUSR1) sigaddset(&sigs, sig);
  }
  return sigs;
}

bool supervisor::take_group_copy(int sig) {
  // A copy the outer uk-run never forwards (it was stopped, or two coalesced) must not
  // swallow a later signal sent to it alone: it is forgotten after 3 s (a forward normally
  // follows within milliseconds).
  constexpr uint64_t kWindowNs = 3'000'000'000;
  uint64_t now = monotonic_ns();
  std::erase_if(group_copies_, [&](const auto& c) { return now - c.second > kWindowNs; });
  for (auto it = group_copies_.begin(); it != group_copies_.end(); ++it) {
    if (it->first != sig) continue;
    group_copies_.erase(it);
    return true;
  }
  return false;
}

void supervisor::serve_outer_link() {
  read_own_signals();  // a copy that reached the supervisor came before the forward
  unsigned char b;
  ssize_t got;
  while ((got = read(forwarded_fd_, &b, 1)) == 1) {
    if (b == kQueryStopped) {
      unsigned char answer = kConfirmed;
      if (command_stopped_by_itself()) answer |= static_cast<unsigned char>(command_stop_signal_);
      ssize_t ignored = write(report_fd_, &answer, 1);
      (void)ignored;
    } else if (child_status_ >= 0) {
      // COMMAND has ended (its pid may be another process's by now): nothing to pass on.
    } else if (b == SIGCONT ? command_stopped_by_itself() : !take_group_copy(b)) {
      // A SIGCONT for a COMMAND that runs is dropped: the outer uk-run gets one at every
      // `fg` and `bg` of its job, whose process group COMMAND shares and was continued by.
      kill(child_, b);
    }
  }
  if (got == 0) {  // the outer uk-run is gone (PR_SET_PDEATHSIG ends the run, unless
                   // outlive_outer let it go)
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, forwarded_fd_, nullptr);
  }
}

void supervisor::on_command_stopped(int sig) {
  if (held_stops_.holds(child_)) return;  // the enforcer's or the freezer's
  command_stop_signal_ = sig;
  unsigned char b = static_cast<unsigned char>(kStopped | sig);
  ssize_t ignored = write(report_fd_, &b, 1);
  (void)ignored;
}

// Now, not as the last waitpid said: a SIGCONT to the process group (the outer
// uk-run's job) has resumed COMMAND by the time the outer uk-run asks.
bool supervisor::command_stopped_by_itself() {
  if (command_stop_signal_ == 0 || held_stops_.holds(child_)) return false;
  std::optional<proc_stat_head> head = read_proc_stat(child_);
  return head && head->state == 'T';
}

void supervisor::teardown() {
  control_.reset();
  unmount_all();
  {
    absl::MutexLock l(&mounts_mu_);
    // Deepest first: --mount may have made a directory's parents too.
    for (auto d = created_dirs_.rbegin(); d != created_dirs_.rend(); ++d) rmdir(d->c_str());
  }
  if (recorder_) recorder_->close();  // the kernel outlives the file
  if (trace_file_) fclose(trace_file_);
}

void supervisor::notify_loop() {
  private_fs();
  while (!notify_stop_.load()) {
    memset(req_, 0, sizeof *req_);
    // EINTR (the stop signal), ENOENT (the tracee died or was interrupted meanwhile).
    if (seccomp_notify_receive(notify_fd_, req_) != 0) {
      // Once no process uses the filter the receive fails at once, every time (6.x);
      // the listener then polls POLLHUP. Nothing can trap any more (the filter passes
      // only by fork): end here rather than spin through the run's teardown.
      pollfd p = {notify_fd_, POLLIN, 0};
      if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)) break;
      continue;
    }
    serve(*req_);
    tracker_.release_zombies();  // an exit just served, unless a FUSE operation pins it
  }
  notify_done_.store(true);
}

void supervisor::start_notify_thread() {
  notify_thread_ = std::thread([this] { notify_loop(); });
}

// While a tracee is left the receive blocks: SIGUSR1 (no SA_RESTART) ends it, sent
// again until the loop has seen the flag (a signal just before the ioctl is lost).
void supervisor::stop_notify_thread() {
  if (!notify_thread_.joinable()) return;
  notify_stop_.store(true);
  interrupt_and_join(notify_thread_, notify_done_);
}

void supervisor::run_check(bool final) {
  std::vector<std::string> violations = tracker_.check(final);
  for (std::string& v : check_mounts()) violations.push_back(std::move(v));
  for (const std::string& v : violations) {
    fprintf(stderr, "uk-run: --check: %s\n", v.c_str());
    check_failures_++;
  }
}

int supervisor::run() {
  req_ = nullptr;
  resp_ = nullptr;
  if (seccomp_notify_alloc(&req_, &resp_) != 0) {
    fprintf(stderr, "uk-run: seccomp_notify_alloc failed\n");
    return 125;
  }
  // Release agents: real processes with uk-run's rights (harness/release_agents.h).
  kernel_.set_usermode_helper(
      [this](const std::vector<std::string>& argv, const std::vector<std::string>& envp) {
        agents_.spawn(argv, envp);
      });
  if (opts_.cgroup_v1_layout) {
    if (absl::Status s = mount_cgroup_v1_layout(); !s.ok()) {
      fprintf(stderr, "uk-run: %s\n", std::string(s.message()).c_str());
      teardown();
      return 125;
    }
  }
  set_fork_admission();
  // uk enforces CPU shares, no bandwidth (subsys/cpu.h): a quota is refused, and said.
  static_cast<uk::cpu_subsys*>(kernel_.containers().subsys(uk::cpu_subsys_id))
      ->set_bandwidth_notice(
          stderr_once("uk-run: cpu.cfs_quota_us, cpu.rt_runtime_us: uk enforces CPU shares, not "
                      "bandwidth; writing a CPU quota or an RT runtime fails with EOPNOTSUPP"));
  static_cast<uk::cpuacct_subsys*>(kernel_.containers().subsys(uk::cpuacct_subsys_id))
      ->set_reaped_time_hooks(&reaped_time_);
  for (const auto& m : opts_.mounts) {
    const char* data = m.data.empty() ? nullptr : m.data.c_str();
    long r = container_mount(0, m.type, m.dir, m.type, 0, data, /*parents=*/true);
    if (r != 0) {
      fprintf(stderr, "uk-run: --mount %s:%s:%s: %s\n", m.type.c_str(), m.data.c_str(),
              m.dir.c_str(), strerror(static_cast<int>(-r)));
      teardown();
      return 125;
    }
  }
  tracker_.set_execs_trapped(!opts_.rules.empty());
  tracker_.set_observer([this] { affinity_host_.observe(); });
  if (absl::Status s = start_command(); !s.ok()) {
    fprintf(stderr, "uk-run: %s\n", std::string(s.message()).c_str());
    reap_children();
    teardown();
    return 125;
  }
  if (opts_.cpu != options::cpu_mode::none) {
    cpu_enforcer_ = std::make_unique<cpu_enforcer>(
        kernel_, tracker_, opts_.cpu_subtree ? &*opts_.cpu_subtree : nullptr, held_stops_,
        opts_.cpu_announce);
    cpu_enforcer_->start();
  }
  start_control_socket();
  net_enforcer_ = std::make_unique<net_enforcer>(kernel_, tracker_, trace_);
  net_enforcer_->start();

  sigset_t sigs;
  sigemptyset(&sigs);
  sigs = blocked_signals();
  signal_fd_ = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.u64 = ~1ull;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &ev);
  ev.data.u64 = ~2ull;  // the tracker's pidfds: a process died
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, tracker_.exit_fd(), &ev);
  // The mount table changed (proc(5): mountinfo polls POLLPRI; mounts_poll): a mount
  // of uk's may have gone without the trap, e.g. with a parent moved or detached.
  mountinfo_fd_ = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  ev.events = EPOLLPRI;
  ev.data.u64 = ~3ull;
  if (mountinfo_fd_ >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, mountinfo_fd_, &ev);
  ev.events = EPOLLIN;
  ev.data.u64 = ~4ull;
  if (forwarded_fd_ >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, forwarded_fd_, &ev);
  tracker_.set_event_checks(opts_.check);
  start_notify_thread();
  serve_events([this] { return child_status_ >= 0; });
  // What COMMAND left running goes on, as natively: COMMAND's end is reported now and
  // the run ends with the last of them. Release agents its last exits started are
  // given the time the end of a run gives them first, so that a run whose only
  // leftovers are those agents ends as before.
  bool outlived = false;
  if (opts_.end_with_command) {
    kill_command_tree();
  } else {
    tracker_.settle();
    kernel_.flush_work();
    agents_.wait(1000, [this] { reap_children(); });
    if (command_tree_remains()) {
      outlived = true;
      outlive_outer();
      serve_events([this] { return !command_tree_remains(); });
    }
  }
  stop_notify_thread();
  cpu_enforcer_.reset();  // resumes whatever it stopped
  net_enforcer_.reset();  // unpaces what it paced
  tracker_.settle();
  kernel_.flush_work();  // release agents triggered by the last exits
  agents_.finish(1000, [this] { reap_children(); });
  if (!outlived) {
    if (opts_.check) run_check(true);
    if (opts_.tree) print_tree();
  }
  teardown();
  seccomp_notify_free(req_, resp_);
  return exit_code();
}

void supervisor::serve_events(const std::function<bool()>& done) {
  while (!done()) {
    epoll_event evs[16];
    int n = epoll_wait(epoll_fd_, evs, 16, opts_.check ? 1000 : -1);
    for (int i = 0; i < n; i++) {
      uint64_t tag = evs[i].data.u64;
      if (tag == ~1ull) {
        // SIGINT, SIGTERM and SIGHUP are never passed on from here: one the terminal
        // sent the process group reached COMMAND too, and the outer uk-run forwards the
        // others over forwarded_fd_, where a copy the supervisor got says the whole
        // group got it (read_own_signals).
        read_own_signals();
      } else if (tag == ~4ull) {
        serve_outer_link();
      } else if (tag == ~2ull) {
        tracker_.reap_exited();
      } else if (tag == ~3ull || tag == kDetachedMountEnded) {
        reconcile();
      }
    }
    tracker_.release_zombies();  // the deaths above, unless a FUSE operation pins them
    if (opts_.check) {
      static struct timespec last;
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec > last.tv_sec) {
        last = now;
        run_check(false);
      }
    }
  }
}

// Every process of the run descends from a child of its pid 1, the supervisor (an
// orphan is reparented to it), so none is left once pid 1 has no child but release
// agents. Those do not keep the run: natively the kernel runs them, outside the user's
// tree; the end of the run gives them a grace period (release_agents::finish).
bool supervisor::command_tree_remains() {
  siginfo_t si = {};
  if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0) return false;
  if (agents_.running() == 0) return true;
  pid_t self = getpid();
  for (pid_t pid : numeric_entries("/proc")) {  // the pid namespace's
    if (pid == self || agents_.is_agent(pid)) continue;
    std::optional<proc_stat_head> head = read_proc_stat(pid);
    if (head && head->ppid == self) return true;
  }
  return false;
}

// Before the listener goes: a process the pid namespace's end would kill could
// otherwise run on between the supervisor closing its files and that end (do_exit's
// exit_files comes before exit_notify), and every syscall it has trapped would fail
// with ENOSYS meanwhile (a fifo open under /proc emulation did, and the process went on
// to write a file). kill(-1) from pid 1 reaches every other process of the namespace;
// release agents, which natively are no part of the user's tree, keep their grace.
void supervisor::kill_command_tree() {
  uint64_t deadline = monotonic_ns() + 5'000'000'000ull;  // SIGKILL ends all but D states
  while (command_tree_remains() && monotonic_ns() < deadline) {
    if (agents_.running() == 0) {
      kill(-1, SIGKILL);
    } else {
      for (pid_t pid : numeric_entries("/proc")) {  // the pid namespace's
        if (pid > 1 && !agents_.is_agent(pid)) kill(pid, SIGKILL);
      }
    }
    reap_children();
    usleep(1000);
  }
  reap_children();
}

int supervisor::exit_code() const {
  if (check_failures_ > 0) return 125;
  if (WIFSIGNALED(child_status_)) return 128 + WTERMSIG(child_status_);
  return WEXITSTATUS(child_status_);
}

void supervisor::outlive_outer() {
  if (opts_.check) run_check(true);
  if (opts_.tree) print_tree();
  fflush(nullptr);
  // Let go of the caller's files first, which COMMAND inherited and may have closed: a
  // caller reading COMMAND's output to EOF (`$(...)`, a pipe) once uk-run has exited
  // must not wait for the supervisor. Every fd of uk-run's own is close-on-exec; the
  // inherited ones are not. Standard input, output and error become /dev/null (release
  // agents still get three fds).
  // (The listing's own fd is closed by the time each is asked: EBADF, skipped.)
  std::vector<int> inherited;
  for (int fd : numeric_entries("/proc/self/fd")) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) inherited.push_back(fd);
  }
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd : inherited) {
    if (fd <= 2 && null >= 0) {
      dup2(null, fd);
    } else {
      close(fd);
    }
  }
  if (null >= 0) close(null);
  // The outer uk-run's exit must not take the run with it.
  prctl(PR_SET_PDEATHSIG, 0);
  unsigned char end[4];
  size_t len = command_end(end);
  end[len++] = kEnded;
  end[len++] = static_cast<unsigned char>(exit_code());
  ssize_t ignored = write(report_fd_, end, len);  // one write: never split (PIPE_BUF)
  (void)ignored;
}

}  // namespace ukrun
