#include "harness/host_topology.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "harness/host_file.h"
#include "uk/sched_domains.h"

namespace ukrun {

namespace {

// A non-empty list from `path`, or nullopt.
template <size_t N>
std::optional<std::bitset<N>> read_list(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  auto mask = uk::bitmap_parselist<N>(line);
  if (!mask.ok() || mask.value().none()) return std::nullopt;
  return mask.value();
}

// What the scheduler's domains are built from (uk/sched_domains.h), for the CPUs of
// `cpus`: each CPU's topology/ masks and its last cache level's sharers, the node each
// is in (nodeN/cpulist) and the node distances (nodeN/distance). A file that is missing
// or does not parse leaves the CPU alone at that level, node 0, or the default distance.
uk::sched_topology read_sched_topology(const std::string& sysfs, const uk::cpumask_t& cpus) {
  uk::sched_topology t;
  for (int c = 0; c < uk::NR_CPUS; c++) {
    if (!cpus.test(c)) continue;
    const std::string dir = sysfs + "/cpu/cpu" + std::to_string(c) + "/";
    uk::sched_topology::cpu& info = t.cpus[c];
    uk::cpumask_t alone;
    alone.set(c);
    info.thread_siblings =
        read_list<uk::NR_CPUS>(dir + "topology/thread_siblings_list").value_or(alone);
    info.cluster_cpus = read_list<uk::NR_CPUS>(dir + "topology/cluster_cpus_list").value_or(alone);
    info.package_cpus = read_list<uk::NR_CPUS>(dir + "topology/package_cpus_list").value_or(alone);
    info.llc_cpus = alone;
    int llc_level = 0;
    for (int i = 0;; i++) {
      const std::string index = dir + "cache/index" + std::to_string(i) + "/";
      std::optional<std::string> level_text = read_host_file(index + "level");
      if (!level_text) break;
      int level = std::atoi(level_text->c_str());
      auto shared = read_list<uk::NR_CPUS>(index + "shared_cpu_list");
      if (level > llc_level && shared) {
        llc_level = level;
        info.llc_cpus = *shared;
      }
    }
  }
  // The node directories there are, not every possible number: 1024 failed opens cost
  // each run's start 2 ms.
  std::vector<int> present_nodes;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(sysfs + "/node", ec)) {
    std::string name = e.path().filename().string();
    int n;
    if (absl::StartsWith(name, "node") && absl::SimpleAtoi(name.substr(4), &n) && n >= 0 &&
        n < uk::MAX_NUMNODES) {
      present_nodes.push_back(n);
    }
  }
  std::sort(present_nodes.begin(), present_nodes.end());
  for (int n : present_nodes) {
    const std::string dir = sysfs + "/node/node" + std::to_string(n) + "/";
    std::optional<std::string> distances = read_host_file(dir + "distance");
    if (!distances) continue;
    if (t.node_distance.size() <= static_cast<size_t>(n)) t.node_distance.resize(n + 1);
    std::istringstream row(*distances);
    for (int d; row >> d;) t.node_distance[n].push_back(d);
    if (auto node_cpus = read_list<uk::NR_CPUS>(dir + "cpulist")) {
      for (auto& [c, info] : t.cpus) {
        if (node_cpus->test(c)) info.node = n;
      }
    }
  }
  return t;
}

}  // namespace

uk::topology_maps read_host_topology(const std::string& sysfs) {
  uk::topology_maps m;
  const std::string cpu = sysfs + "/cpu/", node = sysfs + "/node/";
  m.cpu_online_mask = read_list<uk::NR_CPUS>(cpu + "online").value_or(uk::cpumask_t(1));
  m.cpu_present_mask =
      read_list<uk::NR_CPUS>(cpu + "present").value_or(m.cpu_online_mask) | m.cpu_online_mask;
  m.cpu_possible_mask =
      read_list<uk::NR_CPUS>(cpu + "possible").value_or(m.cpu_present_mask) | m.cpu_present_mask;

  auto& ns = m.node_states;
  ns[uk::N_MEMORY] = read_list<uk::MAX_NUMNODES>(node + "has_memory").value_or(uk::nodemask_t(1));
  ns[uk::N_NORMAL_MEMORY] =
      read_list<uk::MAX_NUMNODES>(node + "has_normal_memory").value_or(ns[uk::N_MEMORY]) &
      ns[uk::N_MEMORY];
  ns[uk::N_ONLINE] =
      read_list<uk::MAX_NUMNODES>(node + "online").value_or(ns[uk::N_MEMORY]) | ns[uk::N_MEMORY];
  ns[uk::N_POSSIBLE] =
      read_list<uk::MAX_NUMNODES>(node + "possible").value_or(ns[uk::N_ONLINE]) | ns[uk::N_ONLINE];
  // The domains the kernel built at boot, over its present CPUs (booted with them all).
  m.sched_domain_level_max = uk::sched_domain_level_max(
      read_sched_topology(sysfs, m.cpu_present_mask), m.cpu_present_mask);
  return m;
}

}  // namespace ukrun
