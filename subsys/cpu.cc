#include "subsys/cpu.h"

#include <sched.h>

#include "subsys/subsystems.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/task.h"

namespace uk {

cpu_subsys::cpu_subsys(kernel& k)
    : container_subsys(k, "cpu", cpu_subsys_id), core_(k.containers()) {
  early_init = 1;
  has_fork_callback = true;  // for the change notifier
  has_exit_callback = true;
  files_.resize(1);
  files_[0].name = "shares";
  // cpu_shares_read_uint(). The state goes at rmdir (and the file may still be open),
  // so it is read under container_mutex.
  files_[0].read_uint = [this](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&core_.container_mutex);
    return shares_of(cont);
  };
  // cpu_shares_write_uint() -> sched_group_set_shares().
  files_[0].write_uint = [this](container* cont, const cftype*, uint64_t val) -> Errno {
    absl::MutexLock l(&core_.container_mutex);
    task_group* tg = tg_of(cont);
    if (tg == nullptr) return Errno(ENODEV);
    tg->shares.store(val < CPU_SHARES_MIN ? CPU_SHARES_MIN : val);
    notify_change();
    return kOk;
  };
}

cpu_subsys::task_group* cpu_subsys::tg_of(const container* cont) const {
  return static_cast<task_group*>(cont->subsys[subsys_id]);
}

uint64_t cpu_subsys::shares_of(const container* cont) const {
  const task_group* tg = tg_of(cont);
  return tg == nullptr ? 0 : tg->shares.load();
}

// cpu_cgroup_create(): the root gets init_task_group; every child a new group with
// the default share. (2.6.24's depth >= 2 EINVAL is deliberately not ported.)
// Both notify: a mirror of the hierarchy on the host (harness/) follows mkdir and rmdir.
Errno cpu_subsys::create(container* cont) {
  cont->install_css(subsys_id, std::make_unique<task_group>());
  notify_change();
  return kOk;
}

void cpu_subsys::destroy(container* cont) {
  cont->free_css(subsys_id);
  notify_change();
}

// cpu_cgroup_can_attach(): real-time tasks stay in the root group.
Errno cpu_subsys::can_attach(container* cont, task_struct* tsk) {
  if (tsk->policy == SCHED_FIFO || tsk->policy == SCHED_RR) return Errno(EINVAL);
  return kOk;
}

Errno cpu_subsys::populate(container* cont) { return container_add_files(cont, this, files_); }

void cpu_subsys::set_change_notifier(std::function<void()> fn) {
  absl::MutexLock l(&notifier_lock_);
  notifier_ = std::move(fn);
}

void cpu_subsys::notify_change() {
  absl::MutexLock l(&notifier_lock_);
  if (notifier_) notifier_();
}

void cpu_subsys::attach(container* cont, container* old_cont, task_struct* tsk) { notify_change(); }
void cpu_subsys::fork(task_struct* task) {
  if (bound_.load()) notify_change();
}
void cpu_subsys::exit(task_struct* task) {
  if (bound_.load()) notify_change();
}
// cpu_cgroup_bind() has no 2.6.24 counterpart: the notifier's consumer learns that there
// is (or no longer is) something to share.
void cpu_subsys::bind(container* root) {
  bound_.store(root != core_.dummytop());
  notify_change();
}

std::unique_ptr<container_subsys> cpu_subsys_create(kernel& k) {
  return std::make_unique<cpu_subsys>(k);
}

}  // namespace uk
