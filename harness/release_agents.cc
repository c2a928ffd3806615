// Release agents (see harness/release_agents.h).
#include "harness/release_agents.h"

#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/host_clock.h"
#include "uk/task.h"

namespace ukrun {

namespace {}  // namespace

void release_agents::spawn(const std::vector<std::string>& argv,
                           const std::vector<std::string>& envp) {
  if (argv.empty() || argv[0].empty()) return;
  std::vector<char*> a, e;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  for (const auto& s : envp) e.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  e.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string command = absl::StrJoin(argv, " ");
  pid_t pid;
  // Under mu_ until it is remembered: the main loop may reap it as soon as it exists.
  absl::MutexLock l(&mu_);
  int err = posix_spawn(&pid, a[0], nullptr, &attr, a.data(), e.data());
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    fprintf(stderr, "uk-run: release agent %s: cannot run: %s\n", command.c_str(), strerror(err));
    if (trace_.enabled()) {
      trace_.event("release_agent",
                   absl::StrFormat("\"command\":\"%s\",\"error\":%d", json_escape(command), err));
    }
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
