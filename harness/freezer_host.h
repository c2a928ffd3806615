// The freezer subsystem on uk-run's real processes: SIGSTOP / SIGCONT, installed as
// the subsystem's freezer_hooks (subsys/ does not depend on harness/). The CPU-share
// enforcer asks freezer_subsys::is_frozen_tgid() and never resumes a frozen process.
// The supervisor itself (uk's init) is never stopped.
#pragma once

#include <sys/types.h>

#include "subsys/freezer.h"
#include "uk/kernel.h"

namespace ukrun {

class freezer_host final : public uk::freezer_hooks {
 public:
  // Installs itself in the kernel's freezer subsystem.
  explicit freezer_host(uk::kernel& k);
  // Uninstalls itself.
  ~freezer_host() override;
  freezer_host(const freezer_host&) = delete;
  freezer_host& operator=(const freezer_host&) = delete;

  void freeze(pid_t tgid) override;
  void thaw(pid_t tgid) override;
  // /proc/<tgid>/stat's state is T or t (or the process is gone or a zombie).
  bool stopped(pid_t tgid) override;

 private:
  uk::freezer_subsys* freezer_;
  const pid_t self_;
};

}  // namespace ukrun
