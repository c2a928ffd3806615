// uk-run's command line: the options and their parser (harness/README.md).
#ifndef UK_HARNESS_OPTIONS_H_
#define UK_HARNESS_OPTIONS_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/caller_signals.h"
#include "harness/host_cgroup.h"
#include "harness/presented_topology.h"
#include "harness/rules.h"

namespace ukrun {

struct options {
  struct mount_opt {
    std::string type, data, dir;
  };
  std::vector<mount_opt> mounts;
  std::vector<std::pair<std::string, std::string>> groups;  // (subsystems, path)
  std::string trace_file;
  // --trace's file, opened (created or truncated) by the outer uk-run before anything
  // starts, so that a path it cannot write is refused as bad input, not silently left
  // without a trace; the supervisor (a fork) writes to it. CLOEXEC: COMMAND never sees it.
  int trace_fd = -1;
  std::vector<placement_rule> rules;
  bool tree = false;
  std::string tree_of;  // --tree-of PID: no COMMAND, ask that uk-run
  pid_t outer_pid = 0;  // the outer uk-run, in its pid namespace (the control socket)
  ino_t outer_pidns = 0;
  caller_signals signals = {};           // set by the outer uk-run first: COMMAND starts with them
  uint64_t bounding_set = ~uint64_t{0};  // the caller's (caller_caps.h), likewise
  // The caller's fd limit, likewise; set by the supervisor, which raises its own.
  struct rlimit nofile = {RLIM_INFINITY, RLIM_INFINITY};
  bool check = false;
  bool pids = false;         // trap forks for pids.max
  bool net = false;          // trap connect/accept for net.rate_bps
  bool exact_exits = false;  // trap exit/exit_group (else observed through pidfds)
  bool proc = true;
  // --cpu-enforcement: how the cpu subsystem's shares reach the real processes.
  enum class cpu_mode { automatic, host_cgroup, signals, none };
  cpu_mode cpu = cpu_mode::automatic;
  // Set by the outer uk-run (cpu_mode.cc) before the namespaces: the run's host cgroup
  // subtree when shares go through it, and the line that says which mode was chosen.
  std::optional<host_subtree> cpu_subtree;
  std::optional<host_subtree> freeze_subtree;  // with host-cgroup: the freezer's (cgroup2)
  // Root with the host's v1 cpuset hierarchy: the run's cpusets there (host_cpuset.h).
  std::optional<host_subtree> cpuset_subtree;
  std::string cpu_announce;
  bool cgroup_v1_layout = false;  // hierarchies under /sys/fs/cgroup
  bool userns = true;             // false: root keeps the host's user namespace
  bool verbose = false;           // --verbose: how each FUSE mount is served, on stderr
  // --end-with-command: processes COMMAND left running are killed when it exits (by
  // default the run goes on until the last of them has exited, as they would natively).
  bool end_with_command = false;
  presented_topology topology;  // --nodes, --cpus
  std::vector<std::string> command;
};

// Parses argv; prints --help and exits 0, or a usage error and exits 2.
options parse_options(int argc, char** argv);

// Bad input on uk-run's command line: "uk-run: MSG" and a pointer to --help on stderr,
// then exit status 2, before anything has started.
[[noreturn]] void usage_error(const std::string& msg);

}  // namespace ukrun

#endif  // UK_HARNESS_OPTIONS_H_
