// Today's cpu_legacy_files[] and rt_group_files[] (kernel/sched/core.c, fair.c, rt.c),
// the cgroup flavour's cpu files, kept apart from the patch's one file as cpuset keeps
// cpuset1_files[]. Every write is validated as the kernel validates it, in its order,
// before anything changes; uk then refuses (EOPNOTSUPP) what it would not enforce: a CPU
// quota and a change of RT bandwidth (cpu.h).
#include <sched.h>

#include <algorithm>
#include <string>
#include <vector>

#include "subsys/cpu.h"
#include "uk/container_core.h"
#include "uk/task.h"
#include "vfs/file.h"

namespace uk {

namespace {

constexpr uint64_t RUNTIME_INF = cpu_subsys::RUNTIME_INF;
constexpr uint64_t MIN_SHARES = 2;
constexpr uint64_t MAX_SHARES = 1ULL << 18;
// scale_load_down(ULONG_MAX): a larger share is MAX_SHARES (cpu_shares_write_u64).
constexpr uint64_t MAX_SHAREVAL = ~0ULL >> 10;
constexpr uint64_t WEIGHT_IDLEPRIO = 3;  // an idle group's weight, as its shares show it
constexpr uint64_t NICE_0_SHARES = 1024;
// "Values should survive translation to nsec" (tg_set_bandwidth).
constexpr uint64_t MAX_US = ~0ULL / 1000;
constexpr uint64_t MIN_BW_QUOTA_PERIOD_US = 1000;     // 1 ms
constexpr uint64_t MAX_BW_QUOTA_PERIOD_US = 1000000;  // 1 s
constexpr int BW_SHIFT = 20;
constexpr uint64_t BW_UNIT = 1ULL << BW_SHIFT;
constexpr uint64_t MAX_BW = (1ULL << 44) - 1;  // µs of CFS quota; ns of RT runtime
// The kernel's default sched_rt_period_us and sched_rt_runtime_us.
constexpr uint64_t GLOBAL_RT_PERIOD_US = 1000000;
constexpr uint64_t GLOBAL_RT_RUNTIME_US = 950000;

// to_ratio(): runtime / period in BW_SHIFT fixed point, rounded down (the hierarchy
// checks compare these, not exact fractions); the same in µs as in ns.
uint64_t to_ratio(uint64_t period, uint64_t runtime) {
  if (runtime == RUNTIME_INF) return BW_UNIT;
  if (period == 0) return 0;
  return (runtime << BW_SHIFT) / period;
}

bool rt_policy(const task_struct* t) { return t->policy == SCHED_FIFO || t->policy == SCHED_RR; }

}  // namespace

cpu_subsys::cpu_cftypes cpu_subsys::cpu_legacy_files(cpu_subsys* cpu) {
  cpu_cftypes t;
  t.rt_group_sched = true;
  // Reads find the group under container_mutex (it goes at rmdir); writes call the
  // setters, which do.
  auto read_tg = [cpu](container* cont, auto&& fn) {
    absl::MutexLock l(&cpu->core_.container_mutex);
    const task_group* tg = cpu->tg_of(cont);
    return tg == nullptr ? decltype(fn(*tg)){} : fn(*tg);
  };
  // RUNTIME_INF reads as -1.
  auto as_s64 = [](uint64_t us) {
    return us == RUNTIME_INF ? int64_t{-1} : static_cast<int64_t>(us);
  };

  cftype shares;
  shares.name = "shares";
  shares.read_uint = [cpu](container* cont, const cftype*) -> uint64_t {
    absl::MutexLock l(&cpu->core_.container_mutex);
    return cpu->shares_of(cont);
  };
  shares.write_uint = [cpu](container* cont, const cftype*, uint64_t v) {
    return cpu->sched_group_set_shares(cont, v);
  };
  t.files.push_back(std::move(shares));

  cftype idle;
  idle.name = "idle";
  idle.read_s64 = [read_tg](container* cont, const cftype*) {
    return read_tg(cont, [](const task_group& tg) { return static_cast<int64_t>(tg.idle); });
  };
  idle.write_s64 = [cpu](container* cont, const cftype*, int64_t v) {
    return cpu->sched_group_set_idle(cont, v);
  };
  t.files.push_back(std::move(idle));

  cftype quota;
  quota.name = "cfs_quota_us";
  quota.read_s64 = [read_tg, as_s64](container* cont, const cftype*) {
    return read_tg(cont, [&](const task_group& tg) { return as_s64(tg.cfs_quota_us); });
  };
  // cpu_quota_write_s64(): any negative value is no quota.
  quota.write_s64 = [cpu](container* cont, const cftype*, int64_t v) {
    return cpu->set_cfs_bandwidth(cont, std::nullopt,
                                  v < 0 ? RUNTIME_INF : static_cast<uint64_t>(v), std::nullopt);
  };
  t.files.push_back(std::move(quota));

  cftype period;
  period.name = "cfs_period_us";
  period.read_uint = [read_tg](container* cont, const cftype*) {
    return read_tg(cont, [](const task_group& tg) { return tg.cfs_period_us; });
  };
  period.write_uint = [cpu](container* cont, const cftype*, uint64_t v) {
    return cpu->set_cfs_bandwidth(cont, v, std::nullopt, std::nullopt);
  };
  t.files.push_back(std::move(period));

  cftype burst;
  burst.name = "cfs_burst_us";
  burst.read_uint = [read_tg](container* cont, const cftype*) {
    return read_tg(cont, [](const task_group& tg) { return tg.cfs_burst_us; });
  };
  burst.write_uint = [cpu](container* cont, const cftype*, uint64_t v) {
    return cpu->set_cfs_bandwidth(cont, std::nullopt, std::nullopt, v);
  };
  t.files.push_back(std::move(burst));

  // cpu_cfs_stat_show() (no wait_sum: schedstats are off on the hosts uk answers for)
  // and cpu_cfs_local_stat_show(): no group is ever throttled, as no quota is ever set.
  cftype stat;
  stat.name = "stat";
  stat.read = [](container*, const cftype*, file&, char* buf, size_t nbytes, loff_t* ppos) {
    return ErrorOr<size_t>(simple_read_from_buffer(
        buf, nbytes, ppos,
        "nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n"));
  };
  t.files.push_back(std::move(stat));
  cftype stat_local;
  stat_local.name = "stat.local";
  stat_local.read = [](container*, const cftype*, file&, char* buf, size_t nbytes, loff_t* ppos) {
    return ErrorOr<size_t>(simple_read_from_buffer(buf, nbytes, ppos, "throttled_time 0\n"));
  };
  t.files.push_back(std::move(stat_local));

  cftype rt_runtime;
  rt_runtime.name = "rt_runtime_us";
  rt_runtime.read_s64 = [read_tg, as_s64](container* cont, const cftype*) {
    return read_tg(cont, [&](const task_group& tg) { return as_s64(tg.rt_runtime_us); });
  };
  // sched_group_set_rt_runtime(): any negative value is no limit.
  rt_runtime.write_s64 = [cpu](container* cont, const cftype*, int64_t v) {
    uint64_t runtime = v < 0 ? RUNTIME_INF : static_cast<uint64_t>(v);
    if (runtime != RUNTIME_INF && runtime > MAX_US) return Errno(EINVAL);
    return cpu->set_rt_bandwidth(cont, std::nullopt, runtime);
  };
  t.files.push_back(std::move(rt_runtime));

  cftype rt_period;
  rt_period.name = "rt_period_us";
  rt_period.read_uint = [read_tg](container* cont, const cftype*) {
    return read_tg(cont, [](const task_group& tg) { return tg.rt_period_us; });
  };
  // sched_group_set_rt_period().
  rt_period.write_uint = [cpu](container* cont, const cftype*, uint64_t v) {
    if (v > MAX_US) return Errno(EINVAL);
    return cpu->set_rt_bandwidth(cont, v, std::nullopt);
  };
  t.files.push_back(std::move(rt_period));
  return t;
}

void cpu_subsys::set_bandwidth_notice(std::function<void()> notice) {
  absl::MutexLock l(&notice_lock_);
  bandwidth_notice_ = std::move(notice);
}

Errno cpu_subsys::refuse_unenforced() {
  absl::MutexLock l(&notice_lock_);
  if (bandwidth_notice_) bandwidth_notice_();
  return Errno(EOPNOTSUPP);
}

// cpu_shares_write_u64() -> sched_group_set_shares(): EINVAL while the group is idle,
// and for the root (no sched_entity); else clamped to [MIN_SHARES, MAX_SHARES].
Errno cpu_subsys::sched_group_set_shares(container* cont, uint64_t shareval) {
  absl::MutexLock l(&core_.container_mutex);
  task_group* tg = tg_of(cont);
  if (tg == nullptr) return Errno(ENODEV);
  if (shareval > MAX_SHAREVAL) shareval = MAX_SHARES;
  if (tg->idle || cont->parent == nullptr) return Errno(EINVAL);
  tg->shares.store(std::min(std::max(shareval, MIN_SHARES), MAX_SHARES));
  notify_change();
  return kOk;
}

// sched_group_set_idle(): 0 or 1, not on the root; a change sets the group's weight
// (WEIGHT_IDLEPRIO, or back to NICE_0_LOAD: the share before is not kept).
Errno cpu_subsys::sched_group_set_idle(container* cont, int64_t idle) {
  absl::MutexLock l(&core_.container_mutex);
  task_group* tg = tg_of(cont);
  if (tg == nullptr) return Errno(ENODEV);
  if (cont->parent == nullptr || idle < 0 || idle > 1) return Errno(EINVAL);
  if (tg->idle == (idle == 1)) return kOk;
  tg->idle = idle == 1;
  tg->shares.store(tg->idle ? WEIGHT_IDLEPRIO : NICE_0_SHARES);
  notify_change();
  return kOk;
}

// cpu_quota_write_s64(), cpu_period_write_u64(), cpu_burst_write_u64(): the value the
// file names, the group's others (tg_bandwidth()), under one hold of the lock.
Errno cpu_subsys::set_cfs_bandwidth(container* cont, std::optional<uint64_t> period_us,
                                    std::optional<uint64_t> quota_us,
                                    std::optional<uint64_t> burst_us) {
  absl::MutexLock l(&core_.container_mutex);
  const task_group* tg = tg_of(cont);
  if (tg == nullptr) return Errno(ENODEV);
  return tg_set_bandwidth(cont, period_us.value_or(tg->cfs_period_us),
                          quota_us.value_or(tg->cfs_quota_us), burst_us.value_or(tg->cfs_burst_us));
}

// sched_group_set_rt_runtime(), sched_group_set_rt_period(): likewise.
Errno cpu_subsys::set_rt_bandwidth(container* cont, std::optional<uint64_t> period_us,
                                   std::optional<uint64_t> runtime_us) {
  absl::MutexLock l(&core_.container_mutex);
  const task_group* tg = tg_of(cont);
  if (tg == nullptr) return Errno(ENODEV);
  return tg_set_rt_bandwidth(cont, period_us.value_or(tg->rt_period_us),
                             runtime_us.value_or(tg->rt_runtime_us));
}

// tg_set_bandwidth() (6.17+; tg_set_cfs_bandwidth() before), its checks in order.
Errno cpu_subsys::tg_set_bandwidth(container* cont, uint64_t period_us, uint64_t quota_us,
                                   uint64_t burst_us) {
  task_group* tg = tg_of(cont);
  bool finite = quota_us != RUNTIME_INF;
  if (cont->parent == nullptr) return Errno(EINVAL);
  if (period_us > MAX_US || (finite && quota_us > MAX_US) || burst_us > MAX_US) {
    return Errno(EINVAL);
  }
  if (quota_us < MIN_BW_QUOTA_PERIOD_US || period_us < MIN_BW_QUOTA_PERIOD_US) {
    return Errno(EINVAL);
  }
  if (period_us > MAX_BW_QUOTA_PERIOD_US) return Errno(EINVAL);
  if (finite && (quota_us > MAX_BW || burst_us > quota_us || burst_us + quota_us > MAX_BW)) {
    return Errno(EINVAL);
  }
  UK_TRY(cfs_schedulable(cont, period_us, quota_us));
  if (finite) return refuse_unenforced();
  tg->cfs_period_us = period_us;
  tg->cfs_quota_us = quota_us;
  tg->cfs_burst_us = burst_us;
  return kOk;
}

// __cfs_schedulable() -> tg_cfs_schedulable_down() on the legacy hierarchy, top down:
// a group's quota ratio may not pass the nearest limited ancestor's (a group without
// quota passes that one on); siblings are not summed.
Errno cpu_subsys::cfs_schedulable(container* cont, uint64_t period_us, uint64_t quota_us) {
  auto normalized = [&](const container* c) {
    const task_group* tg = tg_of(c);
    uint64_t q = c == cont ? quota_us : tg->cfs_quota_us;
    uint64_t p = c == cont ? period_us : tg->cfs_period_us;
    return q == RUNTIME_INF ? RUNTIME_INF : to_ratio(p, q);
  };
  struct frame {
    const container* c;
    uint64_t parent_quota;  // its parent's hierarchical_quota
  };
  std::vector<frame> todo = {{cont->top_container, RUNTIME_INF}};
  while (!todo.empty()) {
    frame f = todo.back();
    todo.pop_back();
    uint64_t quota = RUNTIME_INF;
    if (f.c->parent != nullptr) {
      quota = normalized(f.c);
      if (quota == RUNTIME_INF) {
        quota = f.parent_quota;
      } else if (f.parent_quota != RUNTIME_INF && quota > f.parent_quota) {
        return Errno(EINVAL);
      }
    }
    for (const container* child : f.c->children) {
      if (tg_of(child) != nullptr) todo.push_back({child, quota});
    }
  }
  return kOk;
}

// tg_set_rt_bandwidth(), its checks in order.
Errno cpu_subsys::tg_set_rt_bandwidth(container* cont, uint64_t period_us, uint64_t runtime_us) {
  task_group* tg = tg_of(cont);
  if (cont->parent == nullptr && runtime_us == 0) return Errno(EINVAL);
  if (period_us == 0) return Errno(EINVAL);
  // max_rt_runtime is MAX_BW in ns.
  if (runtime_us != RUNTIME_INF && runtime_us > MAX_BW / 1000) return Errno(EINVAL);
  UK_TRY(rt_schedulable(cont, period_us, runtime_us));
  // A group without runtime holds no RT task (sched_rt_can_attach, EBUSY above): its
  // period is bookkeeping alone.
  bool changed = period_us != tg->rt_period_us || runtime_us != tg->rt_runtime_us;
  if (changed && runtime_us != 0) return refuse_unenforced();
  tg->rt_period_us = period_us;
  tg->rt_runtime_us = runtime_us;
  return kOk;
}

// __rt_schedulable() -> tg_rt_schedulable() over the hierarchy, in walk_tg_tree's
// pre-order: a runtime within its period and the global ratio, no runtime taken from
// a group that has RT tasks (EBUSY), and the children's ratios summed within the
// group's.
Errno cpu_subsys::rt_schedulable(container* cont, uint64_t period_us, uint64_t runtime_us) {
  auto period_of = [&](const container* c) {
    return c == cont ? period_us : tg_of(c)->rt_period_us;
  };
  auto runtime_of = [&](const container* c) {
    return c == cont ? runtime_us : tg_of(c)->rt_runtime_us;
  };
  const uint64_t global = to_ratio(GLOBAL_RT_PERIOD_US, GLOBAL_RT_RUNTIME_US);
  std::vector<const container*> todo = {cont->top_container};
  while (!todo.empty()) {
    const container* c = todo.back();
    todo.pop_back();
    uint64_t period = period_of(c), runtime = runtime_of(c);
    if (runtime != RUNTIME_INF && runtime > period) return Errno(EINVAL);
    if (runtime == 0 && tg_of(c)->rt_runtime_us != 0) {
      bool has_rt = false;
      core_.container_iter(c, [&has_rt](task_struct* t) { has_rt = has_rt || rt_policy(t); });
      if (has_rt) return Errno(EBUSY);
    }
    uint64_t total = to_ratio(period, runtime);
    if (total > global) return Errno(EINVAL);
    uint64_t sum = 0;
    std::vector<const container*> children;
    for (const container* child : c->children) {
      if (tg_of(child) == nullptr) continue;
      sum += to_ratio(period_of(child), runtime_of(child));
      children.push_back(child);
    }
    if (sum > total) return Errno(EINVAL);
    // Pre-order, the first child first.
    for (auto it = children.rbegin(); it != children.rend(); ++it) todo.push_back(*it);
  }
  return kOk;
}

}  // namespace uk
