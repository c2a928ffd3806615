// The host's CPU masks and node states, read from sysfs, for the kernel uk-run boots
// (uk/topology.h declares the value; uk/ itself reads no host file).
#pragma once

#include <string>

#include "uk/topology.h"

namespace ukrun {

// `sysfs` is the directory that holds cpu/ and node/ (the host's
// /sys/devices/system). cpu/{possible,present,online} and node/{possible,online,
// has_memory,has_normal_memory}, each a list such as "0-1". A file that is missing or
// does not parse takes the next smaller map (possible <- present <- online; online
// nodes <- nodes with memory), and each map is widened to hold the smaller ones, so
// the result is always valid(); without cpu/online, CPU 0; without node/ (a kernel
// without NUMA), node 0 in every state. sched_domain_level_max comes from the present
// CPUs' cpuN/topology/{thread_siblings,cluster_cpus,package_cpus}_list, their last cache
// level's cpuN/cache/indexK/shared_cpu_list and node/nodeN/{cpulist,distance}
// (uk/sched_domains.h).
uk::topology_maps read_host_topology(const std::string& sysfs = "/sys/devices/system");

}  // namespace ukrun
