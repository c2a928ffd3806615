#include "subsys/cpu.h"

#include <sched.h>

#include "subsys/subsystems.h"
#include "uk/container_flavour.h"
#include "uk/containerfs.h"
#include "uk/kernel.h"
#include "uk/task.h"

namespace uk {

cpu_subsys::cpu_subsys(kernel& k)
    : container_subsys(k, "cpu", cpu_subsys_id), core_(k.containers()) {
  early_init = 1;
  has_fork_callback = true;  // for the change notifier
  has_exit_callback = true;
  cftypes_[CFTYPES_V10] = cpu_v10_files(this);
  cftypes_[CFTYPES_LEGACY] = cpu_legacy_files(this);
}

// The patch's one file.
cpu_subsys::cpu_cftypes cpu_subsys::cpu_v10_files(cpu_subsys* cpu) {
  cpu_cftypes t;
  t.files.resize(1);
  t.files[0].name = "shares";
  // cpu_shares_read_uint(). The state goes at rmdir (and the file may still be open),
  // so it is read under container_mutex.
  t.files[0].read_uint = [cpu](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&cpu->core_.container_mutex);
    return cpu->shares_of(cont);
  };
  // cpu_shares_write_uint() -> sched_group_set_shares().
  t.files[0].write_uint = [cpu](container* cont, const cftype*, uint64_t val) -> Errno {
    absl::MutexLock l(&cpu->core_.container_mutex);
    task_group* tg = cpu->tg_of(cont);
    if (tg == nullptr) return Errno(ENODEV);
    tg->shares.store(val < CPU_SHARES_MIN ? CPU_SHARES_MIN : val);
    cpu->notify_change();
    return kOk;
  };
  return t;
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
  task_group* tg = cont->install_css(subsys_id, std::make_unique<task_group>());
  if (cont->parent == nullptr) tg->rt_runtime_us = 950000;  // sched_init(): global_rt_runtime()
  notify_change();
  return kOk;
}

void cpu_subsys::destroy(container* cont) {
  cont->free_css(subsys_id);
  notify_change();
}

// cpu_cgroup_can_attach(): 2.6.24 keeps real-time tasks out of every group;
// sched_rt_can_attach() out of a group without RT runtime.
Errno cpu_subsys::can_attach(container* cont, task_struct* tsk) {
  if (tsk->policy != SCHED_FIFO && tsk->policy != SCHED_RR) return kOk;
  if (!cftypes_[cont->root->flavour->subsys_cftypes].rt_group_sched) return Errno(EINVAL);
  core_.container_mutex.AssertHeld();  // attach_task's
  const task_group* tg = tg_of(cont);
  return tg == nullptr || tg->rt_runtime_us == 0 ? Errno(EINVAL) : kOk;
}

Errno cpu_subsys::populate(container* cont) {
  return container_add_files(cont, this, cftypes_[cont->root->flavour->subsys_cftypes].files);
}

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
