// The net subsystem (uk's own; the containers article's network-bandwidth example): an
// egress rate limit per container, enforced on real processes' TCP sockets by uk-run
// (harness/net_enforcer.h; subsys/ does not depend on the harness).
//
// File, on every container (the root's limits the whole tree):
//   rate_bps  (cgroup flavour: net.rate_bps)  bits per second, 0 = unlimited (default)
//
// Bits, not bytes: `_bps` reads as bits per second to a user (tc, ethtool, iperf all
// speak bits); uk-run divides by 8 for SO_MAX_PACING_RATE, which takes bytes. The
// value is a plain unsigned integer parsed like every uint file (container_write_uint:
// garbage, an empty or negative value is EINVAL, 64 bytes or more E2BIG).
//
// A limit covers the container's subtree: the effective limit of a container is the
// smallest non-zero rate_bps of itself and its ancestors (effective_rate_bps), and
// uk-run keeps the sockets of a limited container's whole subtree within its rate
// together (harness/README.md: "net").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "uk/cftype.h"
#include "uk/container.h"
#include "uk/container_core.h"
#include "uk/subsystem.h"

namespace uk {

class kernel;

class net_subsys final : public container_subsys {
 public:
  explicit net_subsys(kernel& k);

  Errno create(container* cont) override;
  void destroy(container* cont) override;
  Errno populate(container* cont) override;
  void attach(container* cont, container* old_cont, task_struct* tsk) override;

  // For callers that hold the core's container_mutex under another name (uk-run's net
  // enforcer locks kernel.containers().container_mutex): checks it is held and tells
  // the thread-safety analysis that it is this subsystem's.
  void assert_container_mutex_held() const ABSL_ASSERT_EXCLUSIVE_LOCK(core_.container_mutex) {
    core_.container_mutex.AssertHeld();
  }
  // rate_bps of `cont` itself (0: no limit of its own, or no net state).
  uint64_t rate_of(const container* cont) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // The smallest non-zero rate_bps of `cont` and its ancestors; 0 when none has one.
  uint64_t effective_rate_bps(const container* cont) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.container_mutex);
  // Whether any container has a limit: uk-run's enforcer sleeps (and its connect trap
  // answers at once) while none has.
  bool any_limit() const { return limited_.load() > 0; }

  // For the enforcer: called after a rate_bps write and an attach (with
  // container_mutex or a task lock held, so it may only wake someone: a leaf lock).
  void set_change_notifier(std::function<void()> fn);

 private:
  struct net_cgroup : container_subsys_state {
    std::atomic<uint64_t> rate_bps{0};
  };
  net_cgroup* state_of(const container* cont) const {
    return static_cast<net_cgroup*>(cont->subsys[subsys_id]);
  }
  void notify_change();

  container_core& core_;
  std::vector<cftype> files_;
  std::atomic<int> limited_{0};  // containers whose rate_bps is not 0
  absl::Mutex notifier_lock_;
  std::function<void()> notifier_ ABSL_GUARDED_BY(notifier_lock_);
};

}  // namespace uk
