// The hierarchical weighted fair-share policy, shared by the simulator and by the
// enforcement on real processes: the same code decides in both, so the simulator is
// the oracle for what the enforcer should achieve.
//
// Model (CFS group scheduling, 2.6.24 CONFIG_FAIR_GROUP_SCHED, made hierarchical):
// every container is an entity of weight `shares` in its parent's run queue, and every
// task an entity of weight TASK_WEIGHT in its own container's. Each entity keeps a
// virtual runtime: CPU time it received times TASK_WEIGHT / weight. Charging a task
// advances the virtual runtime of the task and of each container above it. A pick
// descends from the top, at each level taking the runnable child with the smallest
// virtual runtime, so under contention siblings receive time in proportion to their
// weights, and a container's share is split again below it (splits multiply).
//
// Work conservation: only entities with a runnable task below them compete, and picks
// continue until every CPU is taken or no runnable task is left. An entity that
// becomes runnable again starts at the smallest virtual runtime of its competing
// siblings less SLEEPER_CREDIT_NS (place_entity() with GENTLE_FAIR_SLEEPERS' half of
// sched_latency), so idling does not bank time, yet a short burst of a task that used
// less than its share (mail delivery in System) runs at once instead of being spread
// over many periods by its small weight.
//
// Affinity: a task is placed only on a CPU of its cpus_allowed (the cpuset's), and a
// task that cannot be placed is skipped, not waited for.
//
// Not thread-safe: one owner (the simulator, or the enforcer's control thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sched/snapshot.h"
#include "uk/cpumask.h"

namespace uk::sched {

// Virtual time a waking entity may be placed ahead of its competing siblings.
inline constexpr uint64_t SLEEPER_CREDIT_NS = 3000000;

class fair_tree {
 public:
  // Installs a new snapshot (membership or shares changed). Virtual runtimes carry
  // over for groups with the same path and tasks with the same pid; a new node starts
  // at its parent's smallest child virtual runtime.
  void rebuild(const share_snapshot& snap);
  const share_snapshot& snapshot() const { return snap_; }

  // The task at `task_index` (of snapshot().tasks) ran for `ns`.
  void charge(size_t task_index, uint64_t ns);

  // Chooses which runnable tasks run for the next `quantum_ns` on `cpus`: the result
  // holds, per CPU number, the task index placed there or -1. runnable.size() must be
  // the snapshot's task count. Does not charge.
  std::vector<int> pick(const std::vector<bool>& runnable, const cpumask_t& cpus,
                        uint64_t quantum_ns);

  // Every task's effective share of one CPU if all of them were runnable and alone on
  // it: the product of weight / (sum of sibling weights) down its path.
  std::vector<double> effective_shares() const;

 private:
  struct node {
    int parent = -1;  // node index
    uint64_t weight = TASK_WEIGHT;
    uint64_t vruntime = 0;
    bool active = false;  // a runnable task below it in the last pick
  };
  // Node indices: groups first (snapshot order), then tasks.
  int task_node(size_t task_index) const { return static_cast<int>(groups_ + task_index); }
  static uint64_t scaled(uint64_t ns, uint64_t weight) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(ns) * TASK_WEIGHT) / weight);
  }
  void update_activity(const std::vector<bool>& runnable);

  share_snapshot snap_;
  size_t groups_ = 0;
  std::vector<node> nodes_;
  std::vector<std::vector<int>> children_;  // by node index
};

}  // namespace uk::sched
