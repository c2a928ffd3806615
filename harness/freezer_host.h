// The freezer subsystem on uk-run's real processes, installed as the subsystem's
// freezer_hooks (subsys/ does not depend on harness/), one of:
//   - with the run's cgroup2 freeze subtree (host_cgroup.h make_freeze_subtree, made
//     with --cpu-enforcement=host-cgroup where cgroup2 is free): a frozen process is
//     moved into its `frozen` child (cgroup.freeze 1) and back out at thaw; no signal,
//     and the process stays killable;
//   - else SIGSTOP / SIGCONT; the CPU-share enforcer asks
//     freezer_subsys::is_frozen_tgid() and never resumes a frozen process.
// The supervisor itself (uk's init) is never frozen.
#pragma once

#include <sys/types.h>

#include <string>

#include "harness/held_stops.h"
#include "harness/host_cgroup.h"
#include "subsys/freezer.h"
#include "uk/kernel.h"

namespace ukrun {

class freezer_host final : public uk::freezer_hooks {
 public:
  // Installs itself in the kernel's freezer subsystem. `subtree` (which must outlive
  // this), if not null, is the freeze subtree to use instead of signals; signal stops
  // are noted in `held` (which must outlive this).
  freezer_host(uk::kernel& k, const host_subtree* subtree, held_stops& held);
  // Uninstalls itself.
  ~freezer_host() override;
  freezer_host(const freezer_host&) = delete;
  freezer_host& operator=(const freezer_host&) = delete;

  void freeze(pid_t tgid) override;
  void thaw(pid_t tgid) override;
  // Signals: /proc/<tgid>/stat's state is T or t (or the process is gone or a zombie).
  // cgroup2: the process is in `frozen/cgroup.procs` (or gone) and that cgroup reports
  // `frozen 1`.
  bool stopped(pid_t tgid) override;

 private:
  uk::freezer_subsys* freezer_;
  const pid_t self_;
  held_stops& held_;
  const int fd_;                   // the freeze subtree's top, or -1: signals
  const std::string frozen_path_;  // `frozen` as /proc/<pid>/cgroup shows it
};

}  // namespace ukrun
