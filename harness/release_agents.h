// Release agents (notify_on_release): the real processes uk-run runs for the kernel's
// call_usermodehelper, remembered until the supervisor reaps them, so that an agent
// that fails or hangs is reported and blocks nothing.
//
// Where it is reported: on uk-run's stderr, one line per agent that cannot be started,
// exits non-zero or dies by a signal, and at the end of the run one line per agent
// still running; with --trace, a "release_agent" event per start and per end.
// The bound: nothing waits for an agent while the run goes on (spawn returns after
// the exec, agents are reaped with the supervisor's other children); at the end
// uk-run waits at most `grace_ms` (1 s) for agents still running, then exits, and the
// pid namespace's teardown SIGKILLs them with every other process of the namespace.
//
// Lock order: mu_, then trace_log's (spawn runs on the kernel's worker thread).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "harness/tracker.h"

namespace ukrun {

class release_agents {
 public:
  explicit release_agents(trace_log& trace) : trace_(trace) {}

  // call_usermodehelper(): runs argv[0] with the kernel's argv and envp, as uk-run's
  // user, started as the kernel starts a helper (no open file, "/", umask 022, signals
  // unblocked and at their defaults, init_task's limits); returns once it has exec'd.
  void spawn(const std::vector<std::string>& argv, const std::vector<std::string>& envp);
  // The supervisor reaped `pid` (waitpid status): true if it was an agent.
  bool reaped(pid_t pid, int status);
  // Calls `reap` (the supervisor's waitpid loop) until no agent runs or `grace_ms`
  // have passed.
  void wait(int grace_ms, const std::function<void()>& reap);
  // The end of the run: wait(), then reports the agents still running.
  void finish(int grace_ms, const std::function<void()>& reap);
  size_t running();
  // Whether `pid` is a running agent.
  bool is_agent(pid_t pid);

 private:
  struct agent {
    std::string command;  // agent and argument, for the messages
    uint64_t start_ns;
  };
  trace_log& trace_;
  absl::Mutex mu_;
  absl::flat_hash_map<pid_t, agent> running_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ukrun
