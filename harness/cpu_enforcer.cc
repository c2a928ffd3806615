#include "harness/cpu_enforcer.h"

#include <unistd.h>

#include <cstdio>

#include "harness/enforcer_host.h"
#include "subsys/cpu.h"
#include "subsys/cpuset.h"
#include "subsys/freezer.h"
#include "uk/container_core.h"

namespace ukrun {

namespace {

uk::cpu_subsys* cpu_of(uk::kernel& k) {
  return static_cast<uk::cpu_subsys*>(k.containers().subsys(uk::cpu_subsys_id));
}

}  // namespace

cpu_enforcer::cpu_enforcer(uk::kernel& k, tracker& tr, const host_subtree* subtree,
                           held_stops& held, std::string announce)
    : kernel_(k), tracker_(tr), announce_(std::move(announce)) {
  if (subtree != nullptr) {
    groups_ = make_host_groups(*subtree);
    uk::sched::group_mirror::options o;
    o.exempt_tgid = getpid();
    o.on_first_mount = [this] { announce_once(); };
    mirror_ = std::make_unique<uk::sched::group_mirror>([this] { return snapshot(); }, *groups_, o);
    cpu_of(k)->set_change_notifier([m = mirror_.get()] { m->kick(); });
    return;
  }
  // The duty cycler places each thread on the CPUs of its real mask (taskset), which
  // the tracker's observations read then even while cpuset is not mounted. The host's
  // scheduler needs no such view.
  static_cast<uk::cpuset_subsys*>(k.containers().subsys(uk::cpuset_subsys_id))
      ->set_track_masks(true);
  host_ = std::make_unique<enforcer_host>(held);
  uk::sched::share_enforcer::options o;
  o.cpus = k.topo().cpu_online_mask();
  o.exempt_tgid = getpid();
  // Never SIGCONT what the freezer stopped (a leaf lock: safe from the control thread).
  auto* freezer = static_cast<uk::freezer_subsys*>(k.containers().subsys(uk::freezer_subsys_id));
  o.frozen = [freezer](pid_t tgid) { return freezer->is_frozen_tgid(tgid); };
  enforcer_ = std::make_unique<uk::sched::share_enforcer>(
      [this] {
        auto s = snapshot();
        if (s) announce_once();
        return s ? std::move(*s) : uk::sched::share_snapshot{};
      },
      *host_, o);
  cpu_of(k)->set_change_notifier([e = enforcer_.get()] { e->kick(); });
}

cpu_enforcer::~cpu_enforcer() {
  cpu_of(kernel_)->set_change_notifier(nullptr);
  if (enforcer_) enforcer_->shutdown();
  if (mirror_) mirror_->shutdown();
}

void cpu_enforcer::start() {
  if (enforcer_) enforcer_->start();
  if (mirror_) mirror_->start();
}

void cpu_enforcer::announce_once() {
  if (announced_ || announce_.empty()) return;
  announced_ = true;
  fprintf(stderr, "%s\n", announce_.c_str());
}

std::optional<uk::sched::share_snapshot> cpu_enforcer::snapshot() {
  uk::container_core& core = kernel_.containers();
  {
    absl::MutexLock l(&core.container_mutex);
    if (core.subsys(uk::cpu_subsys_id)->root == core.rootnode()) return std::nullopt;
  }
  tracker_.settle();
  uk::cpu_subsys* cpu = cpu_of(kernel_);
  return uk::sched::take_snapshot(
      kernel_, [cpu](const uk::container* c) { return cpu->shares_of(c); },
      uk::sched::task_kind::real);
}

}  // namespace ukrun
