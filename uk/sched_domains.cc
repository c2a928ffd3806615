#include "uk/sched_domains.h"

#include <algorithm>
#include <functional>
#include <set>

namespace uk {

namespace {

// include/linux/topology.h: node distances without a SLIT.
constexpr int LOCAL_DISTANCE = 10;
constexpr int REMOTE_DISTANCE = 20;

int node_distance(const sched_topology& t, int a, int b) {
  if (a >= 0 && b >= 0 && static_cast<size_t>(a) < t.node_distance.size() &&
      static_cast<size_t>(b) < t.node_distance[a].size()) {
    return t.node_distance[a][b];
  }
  return a == b ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

sched_topology::cpu cpu_info(const sched_topology& t, int c) {
  auto it = t.cpus.find(c);
  if (it != t.cpus.end()) return it->second;
  sched_topology::cpu alone;
  alone.thread_siblings.set(c);
  alone.cluster_cpus = alone.llc_cpus = alone.package_cpus = alone.thread_siblings;
  return alone;
}

template <typename Fn>
void for_each_cpu(const cpumask_t& mask, Fn fn) {
  for (int c = 0; c < NR_CPUS; c++) {
    if (mask.test(c)) fn(c);
  }
}

}  // namespace

sched_topology sched_topology::one_package(const cpumask_t& cpus) {
  sched_topology t;
  for_each_cpu(cpus, [&](int c) {
    cpu& info = t.cpus[c];
    info.thread_siblings.set(c);
    info.cluster_cpus = info.thread_siblings;
    info.llc_cpus = info.package_cpus = cpus;
  });
  return t;
}

int sched_domain_level_max(const sched_topology& t, const cpumask_t& cpu_map) {
  using level_mask = std::function<cpumask_t(int cpu)>;
  // cpumask_of_node(), within the CPUs the domains are built for.
  auto cpus_of_node = [&](int node) {
    cpumask_t m;
    for_each_cpu(cpu_map, [&](int c) {
      if (cpu_info(t, c).node == node) m.set(c);
    });
    return m;
  };
  // sched_domains_numa_masks[level][node]: the CPUs of the nodes within `distance`.
  auto cpus_of_nodes_within = [&](int node, int distance) {
    cpumask_t m;
    for_each_cpu(cpu_map, [&](int c) {
      if (node_distance(t, node, cpu_info(t, c).node) <= distance) m.set(c);
    });
    return m;
  };

  // x86_topology[] as build_sched_topology() (arch/x86/kernel/smpboot.c) hands it to
  // set_sched_topology(): SMT only when a core has more than one thread
  // (cpu_smt_num_threads), then CLS and MC, then PKG (cpu_node_mask) unless a package
  // holds CPUs of more than one node (x86_has_numa_in_package).
  std::vector<level_mask> levels;
  size_t threads = 1;
  for (const auto& [c, info] : t.cpus) threads = std::max(threads, info.thread_siblings.count());
  if (threads > 1) levels.push_back([&](int c) { return cpu_info(t, c).thread_siblings; });
  levels.push_back([&](int c) { return cpu_info(t, c).cluster_cpus; });
  levels.push_back([&](int c) { return cpu_info(t, c).llc_cpus; });
  bool numa_in_package = false;
  for_each_cpu(cpu_map, [&](int c) {
    sched_topology::cpu info = cpu_info(t, c);
    for_each_cpu(info.package_cpus & cpu_map, [&](int o) {
      if (cpu_info(t, o).node != info.node) numa_in_package = true;
    });
  });
  if (!numa_in_package) {
    levels.push_back([&](int c) { return cpus_of_node(cpu_info(t, c).node); });
  }
  // sched_init_numa(): one level per distinct distance between nodes with CPUs, the
  // first (NODE) the node's own distance, each spanning the nodes that near.
  std::set<int> distances;
  for_each_cpu(cpu_map, [&](int a) {
    for_each_cpu(cpu_map, [&](int b) {
      distances.insert(node_distance(t, cpu_info(t, a).node, cpu_info(t, b).node));
    });
  });
  for (int d : distances) {
    levels.push_back([&, d](int c) { return cpus_of_nodes_within(cpu_info(t, c).node, d); });
  }

  // build_sched_domains(): per CPU, one domain per level, its span the level's mask
  // within cpu_map (sd_init) and at least its child's (build_sched_domain's fixup),
  // until a span is the whole cpu_map; each domain above the first raises
  // sched_domain_level_max to its level.
  int level_max = 0;
  for_each_cpu(cpu_map, [&](int c) {
    cpumask_t span;
    for (size_t level = 0; level < levels.size(); level++) {
      span |= levels[level](c) & cpu_map;
      level_max = std::max(level_max, static_cast<int>(level));
      if (span == cpu_map) break;
    }
  });
  return level_max;
}

}  // namespace uk
