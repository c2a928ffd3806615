#include "harness/affinity_host.h"

#include <sched.h>

#include "harness/host_clock.h"
#include "uk/container_core.h"
#include "uk/task.h"

namespace ukrun {

cpu_set_t to_cpu_set(const uk::cpumask_t& mask) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu = 0; cpu < uk::NR_CPUS && cpu < CPU_SETSIZE; cpu++) {
    if (mask.test(cpu)) CPU_SET(cpu, &set);
  }
  return set;
}

uk::cpumask_t from_cpu_set(const cpu_set_t& set) {
  uk::cpumask_t mask;
  for (int cpu = 0; cpu < uk::NR_CPUS && cpu < CPU_SETSIZE; cpu++) {
    if (CPU_ISSET(cpu, &set)) mask.set(cpu);
  }
  return mask;
}

affinity_host::affinity_host(uk::kernel& k, uk::host_cpusets* host)
    : cpuset_(static_cast<uk::cpuset_subsys*>(k.containers().subsys(uk::cpuset_subsys_id))) {
  cpuset_->set_affinity_hooks(this);
  if (host != nullptr) cpuset_->set_host_cpusets(host);
}

affinity_host::~affinity_host() {
  cpuset_->set_host_cpusets(nullptr);
  cpuset_->set_affinity_hooks(nullptr);
}

std::optional<uk::cpumask_t> affinity_host::get_affinity(pid_t tid) {
  cpu_set_t set;
  if (::sched_getaffinity(tid, sizeof set, &set) != 0) return std::nullopt;
  return from_cpu_set(set);
}

void affinity_host::set_affinity(pid_t tid, const uk::cpumask_t& mask) {
  cpu_set_t set = to_cpu_set(mask);
  (void)::sched_setaffinity(tid, sizeof set, &set);  // ESRCH: gone, its exit follows
}

void affinity_host::observe() {
  uint64_t now = monotonic_ns();
  if (last_observed_ns_ != 0 && now - last_observed_ns_ < kObservePeriodNs) return;
  last_observed_ns_ = now;
  cpuset_->observe_affinity();
}

}  // namespace ukrun
