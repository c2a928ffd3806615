#include "harness/cpu_enforcer.h"

#include <unistd.h>

#include "subsys/cpu.h"
#include "subsys/freezer.h"
#include "uk/container_core.h"

namespace ukrun {

namespace {

uk::cpu_subsys* cpu_of(uk::kernel& k) {
  return static_cast<uk::cpu_subsys*>(k.containers().subsys(uk::cpu_subsys_id));
}

}  // namespace

cpu_enforcer::cpu_enforcer(uk::kernel& k, tracker& tr)
    : kernel_(k), tracker_(tr), host_(uk::sched::make_linux_host_ops()) {
  uk::sched::share_enforcer::options o;
  o.cpus = k.topo().cpu_online();
  o.exempt_tgid = getpid();
  // Never SIGCONT what the freezer stopped (a leaf lock: safe from the control thread).
  auto* freezer = static_cast<uk::freezer_subsys*>(k.containers().subsys(uk::freezer_subsys_id));
  o.frozen = [freezer](pid_t tgid) { return freezer->is_frozen_tgid(tgid); };
  enforcer_ = std::make_unique<uk::sched::share_enforcer>([this] { return source(); }, *host_, o);
  cpu_of(k)->set_change_notifier([e = enforcer_.get()] { e->kick(); });
}

cpu_enforcer::~cpu_enforcer() {
  cpu_of(kernel_)->set_change_notifier(nullptr);
  enforcer_->shutdown();
}

uk::sched::share_snapshot cpu_enforcer::source() {
  uk::container_core& core = kernel_.containers();
  {
    absl::MutexLock l(&core.container_mutex);
    if (core.subsys(uk::cpu_subsys_id)->root == core.rootnode()) return {};  // not mounted
  }
  tracker_.settle();
  uk::cpu_subsys* cpu = cpu_of(kernel_);
  return uk::sched::take_snapshot(
      kernel_, [cpu](const uk::container* c) { return cpu->shares_of(c); },
      uk::sched::task_kind::real);
}

}  // namespace ukrun
