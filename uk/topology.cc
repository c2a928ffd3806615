#include "uk/topology.h"

#include <fstream>
#include <sstream>
#include <string>

namespace uk {

namespace {

template <size_t N>
std::bitset<N> read_host_list(const char* path, std::bitset<N> fallback) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return fallback;
  auto mask = bitmap_parselist<N>(line);
  return mask.ok() && mask.value().any() ? mask.value() : fallback;
}

}  // namespace

topology topology::from_host() {
  cpumask_t cpu0;
  cpu0.set(0);
  nodemask_t node0;
  node0.set(0);
  return topology(read_host_list("/sys/devices/system/cpu/online", cpu0),
                  read_host_list("/sys/devices/system/node/has_memory", node0));
}

topology& topology::operator=(const topology& o) {
  if (this == &o) return *this;
  cpumask_t cpus = o.cpu_online();
  nodemask_t mems = o.node_memory();
  absl::MutexLock l(&lock_);
  cpu_online_map_ = cpus;
  node_memory_map_ = mems;
  return *this;
}

cpumask_t topology::cpu_online() const {
  absl::MutexLock l(&lock_);
  return cpu_online_map_;
}

nodemask_t topology::node_memory() const {
  absl::MutexLock l(&lock_);
  return node_memory_map_;
}

void topology::set_cpu_online(const cpumask_t& cpus) {
  std::vector<std::function<void()>> notifiers;
  {
    absl::MutexLock l(&lock_);
    cpu_online_map_ = cpus;
    notifiers = notifiers_;
  }
  for (auto& fn : notifiers) fn();
}

void topology::set_node_memory(const nodemask_t& mems) {
  std::vector<std::function<void()>> notifiers;
  {
    absl::MutexLock l(&lock_);
    node_memory_map_ = mems;
    notifiers = notifiers_;
  }
  for (auto& fn : notifiers) fn();
}

void topology::register_hotplug_notifier(std::function<void()> fn) {
  absl::MutexLock l(&lock_);
  notifiers_.push_back(std::move(fn));
}

}  // namespace uk
