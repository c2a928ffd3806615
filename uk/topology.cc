#include "uk/topology.h"

#include "uk/sched_domains.h"

namespace uk {

namespace {

template <size_t N>
bool subset(const std::bitset<N>& a, const std::bitset<N>& b) {
  return (a & ~b).none();
}

// The last set bit + 1 (nr_cpu_ids, nr_node_ids); 0 for an empty mask.
template <size_t N>
size_t last_bit_plus_one(const std::bitset<N>& mask) {
  for (size_t i = N; i > 0; i--) {
    if (mask.test(i - 1)) return i;
  }
  return 0;
}

}  // namespace

topology_maps topology_maps::uniform(const cpumask_t& cpus, const nodemask_t& mems) {
  topology_maps m;
  m.cpu_possible_mask = m.cpu_present_mask = m.cpu_online_mask = cpus;
  m.node_states.fill(mems);
  m.sched_domain_level_max = uk::sched_domain_level_max(sched_topology::one_package(cpus), cpus);
  return m;
}

bool topology_maps::valid() const {
  return sched_domain_level_max >= 0 && cpu_online_mask.any() &&
         subset(cpu_online_mask, cpu_present_mask) && subset(cpu_present_mask, cpu_possible_mask) &&
         node_states[N_MEMORY].any() &&
         subset(node_states[N_NORMAL_MEMORY], node_states[N_MEMORY]) &&
         subset(node_states[N_MEMORY], node_states[N_ONLINE]) &&
         subset(node_states[N_ONLINE], node_states[N_POSSIBLE]);
}

topology::topology(const topology_maps& maps) : maps_(maps) { UK_CHECK(maps.valid()); }

topology& topology::operator=(const topology& o) {
  if (this == &o) return *this;
  topology_maps maps = o.maps();
  absl::MutexLock l(&lock_);
  maps_ = maps;
  return *this;
}

topology_maps topology::maps() const {
  absl::MutexLock l(&lock_);
  return maps_;
}

cpumask_t topology::cpu_possible_mask() const { return maps().cpu_possible_mask; }
cpumask_t topology::cpu_present_mask() const { return maps().cpu_present_mask; }
cpumask_t topology::cpu_online_mask() const { return maps().cpu_online_mask; }
size_t topology::nr_cpu_ids() const { return last_bit_plus_one(maps().cpu_possible_mask); }
nodemask_t topology::node_states(enum node_states state) const { return maps().node_states[state]; }
size_t topology::nr_node_ids() const { return last_bit_plus_one(maps().node_states[N_POSSIBLE]); }
int topology::sched_domain_level_max() const { return maps().sched_domain_level_max; }

void topology::changed(const std::function<void(topology_maps&)>& change) {
  std::vector<std::function<void()>> notifiers;
  {
    absl::MutexLock l(&lock_);
    topology_maps maps = maps_;
    change(maps);
    UK_CHECK(maps.valid());
    maps_ = maps;
    notifiers = notifiers_;
  }
  for (auto& fn : notifiers) fn();
}

void topology::set_cpu_online(const cpumask_t& cpus) {
  changed([&](topology_maps& m) { m.cpu_online_mask = cpus; });
}

void topology::set_node_memory(const nodemask_t& mems) {
  changed(
      [&](topology_maps& m) { m.node_states[N_MEMORY] = m.node_states[N_NORMAL_MEMORY] = mems; });
}

void topology::register_hotplug_notifier(std::function<void()> fn) {
  absl::MutexLock l(&lock_);
  notifiers_.push_back(std::move(fn));
}

}  // namespace uk
