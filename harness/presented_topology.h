// --nodes N and --cpus LIST: the topology a run presents to its tree (harness/README.md,
// "Presented topology"): the kernel's maps, the real affinity, and the /sys files that
// describe CPUs and memory nodes inside the run's mount namespace.
#ifndef UK_HARNESS_PRESENTED_TOPOLOGY_H_
#define UK_HARNESS_PRESENTED_TOPOLOGY_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "uk/cpumask.h"
#include "uk/topology.h"

namespace ukrun {

struct presented_topology {
  int nodes = 0;                      // --nodes: memory nodes 0..nodes-1; 0: the host's
  std::optional<uk::cpumask_t> cpus;  // --cpus: the online CPUs; unset: the host's
  bool any() const { return nodes > 0 || cpus.has_value(); }
};

// --nodes's value: a decimal count from 1 to MAX_NUMNODES.
absl::StatusOr<int> parse_nodes(absl::string_view value);
// --cpus's value: a non-empty CPU list (bitmap_parselist) within the host's online CPUs.
absl::StatusOr<uk::cpumask_t> parse_cpus(absl::string_view value);

// The maps the kernel boots with: the host's (harness/host_topology.h), with --cpus as
// cpu_online_mask and --nodes as every node state.
uk::topology kernel_topology(const presented_topology& t);

// The outer uk-run, before anything starts: its affinity (which every process of the
// run inherits) becomes --cpus.
absl::Status apply_cpus(const presented_topology& t);

// The outer uk-run, in its private mount namespace before the tree's user namespace
// (so the tree's namespace gets them locked, as the tmpfs over /sys/fs/cgroup):
// read-only files over /sys/devices/system/node/{online,possible,has_memory,
// has_normal_memory} (--nodes) and /sys/devices/system/cpu/{online,offline} and
// cpuN/online of the CPUs left out (--cpus).
absl::Status mount_presented_topology(const presented_topology& t);

}  // namespace ukrun

#endif  // UK_HARNESS_PRESENTED_TOPOLOGY_H_
