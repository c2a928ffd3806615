// The machine the kernel runs on: the kernel's CPU masks (cpu_possible_mask,
// cpu_present_mask, cpu_online_mask; include/linux/cpumask.h) and node states
// (node_states[]; include/linux/nodemask.h). uk makes no host I/O: the launcher reads
// them from the host's sysfs (harness/host_topology.h); tests, fuzzers and replay build
// them directly. A seam simulates hotplug; subsystems that care (cpuset) register a
// notifier.
#pragma once

#include <array>
#include <functional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "uk/cpumask.h"

namespace uk {

// enum node_states, the states uk uses (N_HIGH_MEMORY is N_MEMORY here: no highmem).
enum node_states {
  N_POSSIBLE,       // node_possible_map: nr_node_ids is its last node + 1
  N_ONLINE,         // node_online_map
  N_NORMAL_MEMORY,  // /sys/devices/system/node/has_normal_memory
  N_MEMORY,         // has_memory: what the top cpuset's mems track
  NR_NODE_STATES
};

// The maps as a value (what the launcher reads, what a test writes down).
struct topology_maps {
  cpumask_t cpu_possible_mask;  // nr_cpu_ids is its last CPU + 1
  cpumask_t cpu_present_mask;
  cpumask_t cpu_online_mask;  // cpu_active_mask too: uk deactivates no CPU on its own
  std::array<nodemask_t, NR_NODE_STATES> node_states;
  // The scheduler's deepest domain level (uk/sched_domains.h): what the launcher
  // derives from the machine's description, fixed from boot (the kernel never lowers
  // it). cpuset.sched_relax_domain_level accepts -1 to this + 1.
  int sched_domain_level_max = 0;

  // Every CPU of `cpus` possible, present and online; every node of `mems` in every
  // node state; the domain levels of sched_topology::one_package(cpus).
  static topology_maps uniform(const cpumask_t& cpus, const nodemask_t& mems);
  // What the kernel guarantees: online within present within possible, some CPU
  // online; N_NORMAL_MEMORY within N_MEMORY within N_ONLINE within N_POSSIBLE, some
  // node with memory.
  bool valid() const;
};

class topology {
 public:
  // One CPU and one node (CPU 0, node 0): a kernel booted with no topology given.
  topology() : topology(topology_maps::uniform(cpumask_t(1), nodemask_t(1))) {}
  // `maps` must be valid().
  explicit topology(const topology_maps& maps);
  topology(const cpumask_t& cpus, const nodemask_t& mems)
      : topology(topology_maps::uniform(cpus, mems)) {}
  topology(const topology& o) : topology(o.maps()) {}
  topology& operator=(const topology& o);

  topology_maps maps() const;
  cpumask_t cpu_possible_mask() const;
  cpumask_t cpu_present_mask() const;
  cpumask_t cpu_online_mask() const;
  // The bit count of a CPU list (cpulist_parse's nr_cpumask_bits): last possible + 1.
  size_t nr_cpu_ids() const;
  nodemask_t node_states(enum node_states state) const;
  // Last possible node + 1.
  size_t nr_node_ids() const;
  int sched_domain_level_max() const;

  // Hotplug (the seam): changes a map and runs every notifier. set_cpu_online's CPUs
  // must be present (uk simulates no hot-add), set_node_memory's nodes online; a node
  // with memory has normal memory (no highmem or movable-only nodes).
  void set_cpu_online(const cpumask_t& cpus);
  void set_node_memory(const nodemask_t& mems);
  void register_hotplug_notifier(std::function<void()> fn);

 private:
  void changed(const std::function<void(topology_maps&)>& change);

  mutable absl::Mutex lock_;
  topology_maps maps_ ABSL_GUARDED_BY(lock_);
  std::vector<std::function<void()>> notifiers_ ABSL_GUARDED_BY(lock_);
};

}  // namespace uk
