// The run's own cpuset subtree on the host (harness/README.md, "cpuset: affinity"): where
// uk-run is root and the host has the v1 cpuset hierarchy, every uk cpuset gets a host
// cpuset with the same CPUs and its real threads are moved there, so the host's kernel
// answers a program's own sched_setaffinity (taskset) exactly: the intersection with the
// cpuset, EINVAL when it is empty, the request kept across cpuset changes (user_cpus_ptr).
//
// Made by the outer uk-run before the namespaces, as the cpu subtree (host_cgroup.h), and
// removed with it, after SIGKILL too (cpu_mode.cc's cleanup helper):
//   R = uk-run.<outer pid>.<random> below the outer uk-run's cpuset, cpuset.cpus the run's
//       CPUs (--cpus, else its parent's), cpuset.mems its parent's: uk's top cpuset.
//   R/cs<id> for every other uk cpuset, side by side (not nested: see subsys/cpuset.h
//       host_cpusets), cpuset.mems R's (the real nodes; --nodes' are bookkeeping).
// A thread's place is read from /proc/<pid>/task/<tid>/cpuset (where()), which shows R
// as cgroup_path: the supervisor makes no cgroup namespace.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/host_cgroup.h"
#include "subsys/cpuset.h"
#include "uk/cpumask.h"

namespace ukrun {

// The outer uk-run: makes R named `name` with `cpus` (nullopt: its parent's CPUs). An
// error says why not (not root: EACCES; no v1 cpuset hierarchy).
absl::StatusOr<host_subtree> make_cpuset_subtree(const std::string& name,
                                                 const std::optional<uk::cpumask_t>& cpus);

// The supervisor: the cpuset subsystem's host_cpusets over R. Threads of `exempt_tgid`
// (the supervisor, uk's init) are never moved: bounded by observation.
class host_cpuset_tree final : public uk::host_cpusets {
 public:
  host_cpuset_tree(const host_subtree& s, pid_t exempt_tgid);
  int make(uint64_t id) override;
  int set_cpus(uint64_t id, const uk::cpumask_t& cpus) override;
  void remove(uint64_t id) override;
  int move(pid_t tgid, pid_t tid, uint64_t id) override;
  std::optional<uint64_t> where(pid_t tgid, pid_t tid) override;

 private:
  static std::string dir(uint64_t id);
  // rmdirs that found the cpuset busy (a thread still leaving), tried again at each call.
  void retry_removals();
  void rmdir_or_keep(uint64_t id);

  const cgroupfs_ops& fs_;  // R's cgroupfs (the host's)
  const int fd_;            // R
  const pid_t exempt_tgid_;
  const std::string prefix_;  // R as /proc/<pid>/cpuset shows it
  std::string mems_;          // R's cpuset.mems, every cpuset's
  // Called under uk's container_mutex only (subsys/cpuset.h), which serializes them.
  std::vector<uint64_t> busy_;
};

}  // namespace ukrun
