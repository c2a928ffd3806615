// Release agents (see harness/release_agents.h).
#include "harness/release_agents.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/caller_signals.h"
#include "harness/host_clock.h"
#include "uk/task.h"

namespace ukrun {

namespace {

// init_task's limits (include/asm-generic/resource.h INIT_RLIMITS), which a usermode
// helper, a child of kthreadd, has; RLIMIT_NPROC and RLIMIT_SIGPENDING are set at boot
// from the memory size, so they stay uk-run's.
struct init_rlimit {
  int resource;
  rlim_t soft, hard;
};
constexpr rlim_t kStackLimit = 8 << 20;  // _STK_LIM
constexpr rlim_t kMlockLimit = 8 << 20;  // MLOCK_LIMIT
constexpr init_rlimit kInitRlimits[] = {
    {RLIMIT_CPU, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_FSIZE, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_STACK, kStackLimit, RLIM_INFINITY},
    {RLIMIT_CORE, 0, RLIM_INFINITY},
    {RLIMIT_RSS, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_NOFILE, 1024, 4096},  // INR_OPEN_CUR, INR_OPEN_MAX
    {RLIMIT_MEMLOCK, kMlockLimit, kMlockLimit},
    {RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_LOCKS, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_MSGQUEUE, 819200, 819200},  // MQ_BYTES_MAX
    {RLIMIT_NICE, 0, 0},
    {RLIMIT_RTPRIO, 0, 0},
    {RLIMIT_RTTIME, RLIM_INFINITY, RLIM_INFINITY},
};

// The forked child, up to its exec: only system calls (the supervisor has other
// threads). As call_usermodehelper_exec_async() starts a helper: no open file (kthreadd
// has none; the exec error goes to `err_fd`, closed by the exec), init's "/" and umask
// 022, every signal at its default and none blocked (flush_signal_handlers,
// sigemptyset), and init_task's limits, each lowered to uk-run's hard limit where the
// host does not let uk-run raise it (no CAP_SYS_RESOURCE in the initial namespace).
[[noreturn]] void exec_usermode_helper(char* const* argv, char* const* envp, int err_fd) {
  if (err_fd > 0) syscall(SYS_close_range, 0u, static_cast<unsigned>(err_fd - 1), 0u);
  syscall(SYS_close_range, static_cast<unsigned>(err_fd + 1), ~0u, 0u);
  default_signals();  // raw rt_sigaction: glibc's 32 and 33 too (posix_spawn ignores them)
  int err = syscall(SYS_chdir, "/") == 0 ? 0 : errno;
  syscall(SYS_umask, 022);
  for (const init_rlimit& l : kInitRlimits) {
    struct rlimit want = {l.soft, l.hard};
    if (syscall(SYS_setrlimit, l.resource, &want) == 0) continue;
    struct rlimit now;
    if (syscall(SYS_getrlimit, l.resource, &now) != 0) continue;
    want.rlim_max = std::min(l.hard, now.rlim_max);
    want.rlim_cur = std::min(l.soft, want.rlim_max);
    syscall(SYS_setrlimit, l.resource, &want);
  }
  if (err == 0) {
    syscall(SYS_execve, argv[0], argv, envp);
    err = errno;
  }
  syscall(SYS_write, err_fd, &err, sizeof err);
  syscall(SYS_exit_group, 127);
  __builtin_unreachable();
}

}  // namespace

void release_agents::spawn(const std::vector<std::string>& argv,
                           const std::vector<std::string>& envp) {
  if (argv.empty() || argv[0].empty()) return;
  std::vector<char*> a, e;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  for (const auto& s : envp) e.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  e.push_back(nullptr);
  std::string command = absl::StrJoin(argv, " ");
  int exec_err[2];
  int err = pipe2(exec_err, O_CLOEXEC) == 0 ? 0 : errno;
  pid_t pid = -1;
  // Under mu_ until it is remembered: the main loop may reap it as soon as it exists.
  absl::MutexLock l(&mu_);
  if (err == 0) {
    pid = fork();
    if (pid == 0) exec_usermode_helper(a.data(), e.data(), exec_err[1]);
    err = pid < 0 ? errno : 0;
    close(exec_err[1]);
    // The exec closed the pipe (0 bytes), or the child says why it could not run.
    if (pid > 0 && read(exec_err[0], &err, sizeof err) != sizeof err) err = 0;
    close(exec_err[0]);
  }
  if (err != 0) {
    fprintf(stderr, "uk-run: release agent %s: cannot run: %s\n", command.c_str(), strerror(err));
    if (trace_.enabled()) {
      trace_.event("release_agent",
                   absl::StrFormat("\"command\":\"%s\",\"error\":%d", json_escape(command), err));
    }
    // Reaped here (exiting now), unless the main loop's waitpid got it first.
    if (pid > 0) waitpid(pid, nullptr, 0);
    return;
  }
  running_[pid] = {command, monotonic_ns()};
  if (trace_.enabled()) {
    trace_.event("release_agent",
                 absl::StrFormat("\"command\":\"%s\",\"pid\":%d", json_escape(command), pid));
  }
}

bool release_agents::reaped(pid_t pid, int status) {
  absl::MutexLock l(&mu_);
  auto it = running_.find(pid);
  if (it == running_.end()) return false;
  double ms = (monotonic_ns() - it->second.start_ns) / 1e6;
  if (WIFSIGNALED(status)) {
    fprintf(stderr, "uk-run: release agent %s (pid %d): killed by signal %d after %.0f ms\n",
            it->second.command.c_str(), pid, WTERMSIG(status), ms);
  } else if (WEXITSTATUS(status) != 0) {
    fprintf(stderr, "uk-run: release agent %s (pid %d): exit status %d after %.0f ms\n",
            it->second.command.c_str(), pid, WEXITSTATUS(status), ms);
  }
  if (trace_.enabled()) {
    trace_.event("release_agent_exit",
                 absl::StrFormat("\"pid\":%d,\"status\":%d,\"ms\":%.0f", pid, status, ms));
  }
  running_.erase(it);
  return true;
}

size_t release_agents::running() {
  absl::MutexLock l(&mu_);
  return running_.size();
}

bool release_agents::is_agent(pid_t pid) {
  absl::MutexLock l(&mu_);
  return running_.contains(pid);
}

void release_agents::wait(int grace_ms, const std::function<void()>& reap) {
  uint64_t deadline = monotonic_ns() + uint64_t(grace_ms) * 1'000'000;
  while (running() > 0 && monotonic_ns() < deadline) {
    reap();
    usleep(5000);
  }
  reap();
}

void release_agents::finish(int grace_ms, const std::function<void()>& reap) {
  wait(grace_ms, reap);
  absl::MutexLock l(&mu_);
  for (const auto& [pid, a] : running_) {
    fprintf(stderr,
            "uk-run: release agent %s (pid %d): still running after %.0f ms at exit; killed "
            "with the pid namespace\n",
            a.command.c_str(), pid, (monotonic_ns() - a.start_ns) / 1e6);
  }
}

}  // namespace ukrun
