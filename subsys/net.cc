#include "subsys/net.h"

#include "subsys/subsystems.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"

namespace uk {

net_subsys::net_subsys(kernel& k)
    : container_subsys(k, "net", net_subsys_id), core_(k.containers()) {
  files_.resize(1);
  files_[0].name = "rate_bps";
  // The state goes at rmdir while the file may still be open: read under container_mutex.
  files_[0].read_uint = [this](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    return rate_of(cont);
  };
  // Parsed by container_write_uint (EINVAL / E2BIG); every value is valid, 0 lifts it.
  files_[0].write_uint = [this](container* cont, const cftype*, uint64_t val) -> Errno {
    absl::MutexLock l(&core_.container_mutex);
    net_cgroup* n = state_of(cont);
    if (n == nullptr) return Errno(ENODEV);
    uint64_t old = n->rate_bps.exchange(val);
    limited_ += (val != 0) - (old != 0);
    notify_change();
    return kOk;
  };
}

Errno net_subsys::create(container* cont) {
  cont->install_css(subsys_id, std::make_unique<net_cgroup>());
  return kOk;
}

void net_subsys::destroy(container* cont) {
  if (net_cgroup* n = state_of(cont); n != nullptr && n->rate_bps.load() != 0) limited_--;
  cont->free_css(subsys_id);
}

Errno net_subsys::populate(container* cont) { return container_add_files(cont, this, files_); }

// A moved task takes its sockets to another container: their shares change (only
// while some limit exists: the write lifting the last one already unpaced everything).
void net_subsys::attach(container* cont, container* old_cont, task_struct* tsk) {
  if (any_limit()) notify_change();
}

uint64_t net_subsys::rate_of(const container* cont) const {
  const net_cgroup* n = state_of(cont);
  return n == nullptr ? 0 : n->rate_bps.load();
}

uint64_t net_subsys::effective_rate_bps(const container* cont) const {
  uint64_t rate = 0;
  for (const container* c = cont; c != nullptr; c = c->parent) {
    uint64_t r = rate_of(c);
    if (r != 0 && (rate == 0 || r < rate)) rate = r;
  }
  return rate;
}

void net_subsys::set_change_notifier(std::function<void()> fn) {
  absl::MutexLock l(&notifier_lock_);
  notifier_ = std::move(fn);
}

void net_subsys::notify_change() {
  absl::MutexLock l(&notifier_lock_);
  if (notifier_) notifier_();
}

std::unique_ptr<container_subsys> net_subsys_create(kernel& k) {
  return std::make_unique<net_subsys>(k);
}

}  // namespace uk
