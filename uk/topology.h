// The CPU and memory-node maps (cpu_online_map, node_states[N_HIGH_MEMORY]), read from
// the host's sysfs, with a seam so tests can simulate hot-unplug. Subsystems that care
// (cpuset) register a hotplug notifier.
#pragma once

#include <functional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "uk/cpumask.h"

namespace uk {

class topology {
 public:
  // The host's online CPUs and memory nodes (/sys/devices/system/{cpu,node}/online;
  // node 0 alone where there is no NUMA information).
  static topology from_host();
  topology() = default;
  topology(cpumask_t cpus, nodemask_t mems) : cpu_online_map_(cpus), node_memory_map_(mems) {}
  topology(const topology& o)
      : cpu_online_map_(o.cpu_online()), node_memory_map_(o.node_memory()) {}
  topology& operator=(const topology& o);

  cpumask_t cpu_online() const;
  nodemask_t node_memory() const;

  // Hotplug (the seam): changes the maps and runs every notifier.
  void set_cpu_online(const cpumask_t& cpus);
  void set_node_memory(const nodemask_t& mems);
  void register_hotplug_notifier(std::function<void()> fn);

 private:
  mutable absl::Mutex lock_;
  cpumask_t cpu_online_map_ ABSL_GUARDED_BY(lock_);
  nodemask_t node_memory_map_ ABSL_GUARDED_BY(lock_);
  std::vector<std::function<void()>> notifiers_ ABSL_GUARDED_BY(lock_);
};

}  // namespace uk
