// The cpuset subsystem's real tasks on the host: their CPU affinity read and set with
// sched_getaffinity / sched_setaffinity of another thread (uk-run's tree runs in
// uk-run's own user namespace, so no privilege is needed), installed as the
// subsystem's affinity_hooks (subsys/ makes no host call). observe() is the tracker's
// observation hook: masks the programs set themselves are bounded by their cpusets
// then (harness/README.md, "Affinity").
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "subsys/cpuset.h"
#include "uk/cpumask.h"
#include "uk/kernel.h"

namespace ukrun {

// A mask as the host's cpu_set_t of CPU_SETSIZE bits, and back.
cpu_set_t to_cpu_set(const uk::cpumask_t& mask);
uk::cpumask_t from_cpu_set(const cpu_set_t& set);

class affinity_host final : public uk::affinity_hooks {
 public:
  // Installs itself in the kernel's cpuset subsystem, with the run's host cpusets
  // where there are any (`host`, which must outlive this).
  affinity_host(uk::kernel& k, uk::host_cpusets* host);
  // Uninstalls both.
  ~affinity_host() override;
  affinity_host(const affinity_host&) = delete;
  affinity_host& operator=(const affinity_host&) = delete;

  std::optional<uk::cpumask_t> get_affinity(pid_t tid) override;
  void set_affinity(pid_t tid, const uk::cpumask_t& mask) override;

  // An observation: every real task's host mask against uk's (cpuset_subsys::
  // observe_affinity), at most once per kObservePeriodNs: a read costs one syscall
  // per thread (about 1 us each here), and observations come with every FUSE
  // operation. Attaches and cpus writes read the masks they change themselves. The
  // caller holds the tracker's lock, which serializes the calls.
  void observe();
  static constexpr uint64_t kObservePeriodNs = 10'000'000;

 private:
  uk::cpuset_subsys* cpuset_;
  uint64_t last_observed_ns_ = 0;  // under the caller's (the tracker's) lock
};

}  // namespace ukrun
