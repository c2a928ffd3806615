// cpuacct's host CPU clocks on uk-run's real processes (subsys/cpuacct.h cputime_hooks;
// subsys/ does not depend on harness/ and makes no host call):
//   - a process's whole time: its CPU clock (clock_gettime of MAKE_PROCESS_CPUCLOCK(tgid,
//     CPUCLOCK_SCHED)): one system call, where a /proc read costs an open, a path walk
//     through procfs, a read and a close on every exit and attach;
//   - one thread's: /proc/<tgid>/task/<tid>/schedstat, else the utime + stime of its
//     stat (a host without schedstats; chosen once, so one thread's readings never mix
//     sources);
//   - a split (cgroup flavour): the thread's stat, or the process's for a whole-process
//     reading (/proc/<tgid>/stat, which counts its dead threads too).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "subsys/cpuacct.h"
#include "uk/kernel.h"

namespace ukrun {

// The first field of /proc/<tgid>/task/<tid>/schedstat: the thread's time on CPU in
// ns (also the CPU-share enforcer's clock), or nullopt (gone).
std::optional<uint64_t> read_schedstat_ns(pid_t tgid, pid_t tid);

class cputime_host final : public uk::cputime_hooks {
 public:
  // Installs itself in the kernel's cpuacct subsystem (which then takes the init
  // task's baseline).
  explicit cputime_host(uk::kernel& k);
  // Uninstalls itself.
  ~cputime_host() override;
  cputime_host(const cputime_host&) = delete;
  cputime_host& operator=(const cputime_host&) = delete;

  std::optional<uint64_t> cputime(pid_t tgid, pid_t tid, bool whole_process) override;
  std::optional<uk::cpu_split> split(pid_t tgid, pid_t tid, bool whole_process) override;

 private:
  uk::cpuacct_subsys* cpuacct_;
  const bool use_schedstat_;
};

}  // namespace ukrun
