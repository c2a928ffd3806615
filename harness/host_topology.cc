#include "harness/host_topology.h"

#include <fstream>
#include <optional>

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
  return m;
}

}  // namespace ukrun
