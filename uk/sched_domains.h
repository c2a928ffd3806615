// sched_domain_level_max (kernel/sched/topology.c): the deepest scheduler-domain level
// the kernel has built, which bounds cpuset.sched_relax_domain_level (-1 .. this + 1,
// update_relax_domain_level in kernel/cgroup/cpuset-v1.c). User space cannot read it
// (only debugfs shows the domains), so uk derives it from the machine's description,
// with the kernel's rule in one place (sched_domains.cc).
#pragma once

#include <map>
#include <vector>

#include "uk/cpumask.h"

namespace uk {

// What the kernel's domain levels are built from, per CPU (the masks as
// /sys/devices/system/cpu/cpuN/ shows them) and per node.
struct sched_topology {
  struct cpu {
    cpumask_t thread_siblings;  // topology/thread_siblings_list: cpu_smt_mask
    cpumask_t cluster_cpus;     // topology/cluster_cpus_list: cpu_clustergroup_mask
    cpumask_t llc_cpus;         // the last cache level's shared_cpu_list: x86's
                                // cpu_coregroup_mask (cpu_llc_shared_mask)
    cpumask_t package_cpus;     // topology/package_cpus_list
    int node = 0;               // cpu_to_node
  };
  std::map<int, cpu> cpus;  // by CPU number; a CPU missing here is alone at every level
  // node_distance(a, b) = node_distance[a][b] (nodeN/distance); missing entries are the
  // kernel's defaults without a SLIT, LOCAL_DISTANCE (10) and REMOTE_DISTANCE (20).
  std::vector<std::vector<int>> node_distance;

  // Each CPU of `cpus` its own core and cluster, all in one package, one last-level
  // cache and node 0 (this host's shape, for any number of CPUs).
  static sched_topology one_package(const cpumask_t& cpus);
};

// The sched_domain_level_max an x86 kernel configured as this host's (CONFIG_SCHED_SMT,
// CONFIG_SCHED_CLUSTER, CONFIG_SCHED_MC, CONFIG_NUMA) has after building the domains of
// `cpu_map` at boot. It never shrinks afterwards (build_sched_domain only raises it), so
// CPUs unplugged later do not lower it.
int sched_domain_level_max(const sched_topology& t, const cpumask_t& cpu_map);

}  // namespace uk
