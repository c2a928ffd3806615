#include "sched/fair_tree.h"

#include <algorithm>
#include <limits>

namespace uk::sched {

void fair_tree::rebuild(const share_snapshot& snap) {
  // What carries over: a group by path, a task by pid if it stayed in a group of the
  // same path (a moved task is placed afresh among its new siblings, as CFS
  // renormalises a migrating entity).
  absl::flat_hash_map<std::string, node> old_groups;
  absl::flat_hash_map<pid_t, std::pair<std::string, node>> old_tasks;
  for (size_t i = 0; i < groups_; i++) old_groups[snap_.groups[i].path] = nodes_[i];
  for (size_t i = 0; i < snap_.tasks.size(); i++) {
    const share_task& t = snap_.tasks[i];
    old_tasks[t.pid] = {snap_.groups[t.group].path, nodes_[task_node(i)]};
  }

  snap_ = snap;
  groups_ = snap_.groups.size();
  nodes_.assign(groups_ + snap_.tasks.size(), node{});
  children_.assign(nodes_.size(), {});
  for (size_t i = 0; i < groups_; i++) {
    const share_group& g = snap_.groups[i];
    node& n = nodes_[i];
    n.parent = g.parent;
    n.weight = std::max<uint64_t>(g.shares, 1);
    if (auto it = old_groups.find(g.path); it != old_groups.end()) {
      n.vruntime = it->second.vruntime;
      n.active = it->second.active;
    }
    if (g.parent >= 0) children_[g.parent].push_back(static_cast<int>(i));
  }
  for (size_t i = 0; i < snap_.tasks.size(); i++) {
    const share_task& t = snap_.tasks[i];
    int idx = task_node(i);
    node& n = nodes_[idx];
    n.parent = t.group;
    n.weight = TASK_WEIGHT;
    if (auto it = old_tasks.find(t.pid);
        it != old_tasks.end() && it->second.first == snap_.groups[t.group].path) {
      n.vruntime = it->second.second.vruntime;
      n.active = it->second.second.active;
    }
    children_[t.group].push_back(idx);
  }
}

void fair_tree::charge(size_t task_index, uint64_t ns) {
  for (int n = task_node(task_index); n >= 0; n = nodes_[n].parent) {
    nodes_[n].vruntime += scaled(ns, nodes_[n].weight);
  }
}

void fair_tree::update_activity(const std::vector<bool>& runnable) {
  std::vector<bool> now(nodes_.size(), false);
  // Tasks come after every group and a group after its parent: one reverse sweep.
  for (size_t i = 0; i < snap_.tasks.size(); i++) now[task_node(i)] = runnable[i];
  for (size_t n = nodes_.size(); n-- > 1;) {
    if (now[n] && nodes_[n].parent >= 0) now[nodes_[n].parent] = true;
  }
  // place_entity(): a newly runnable entity starts no earlier than the smallest
  // virtual runtime among the siblings that kept competing, less the sleeper credit.
  for (size_t n = 0; n < nodes_.size(); n++) {
    if (!now[n] || nodes_[n].active || nodes_[n].parent < 0) continue;
    uint64_t floor = std::numeric_limits<uint64_t>::max();
    for (int s : children_[nodes_[n].parent]) {
      if (now[s] && nodes_[s].active) floor = std::min(floor, nodes_[s].vruntime);
    }
    if (floor != std::numeric_limits<uint64_t>::max()) {
      floor -= std::min(floor, SLEEPER_CREDIT_NS);
      nodes_[n].vruntime = std::max(nodes_[n].vruntime, floor);
    }
  }
  for (size_t n = 0; n < nodes_.size(); n++) nodes_[n].active = now[n];
}

std::vector<int> fair_tree::pick(const std::vector<bool>& runnable, const cpumask_t& cpus,
                                 uint64_t quantum_ns) {
  std::vector<int> placed(NR_CPUS, -1);
  if (nodes_.empty()) return placed;
  update_activity(runnable);
  std::vector<uint64_t> vr(nodes_.size());
  for (size_t n = 0; n < nodes_.size(); n++) vr[n] = nodes_[n].vruntime;
  std::vector<bool> taken(snap_.tasks.size(), false);
  cpumask_t free = cpus;
  std::vector<bool> pickable(nodes_.size());
  while (free.any()) {
    std::fill(pickable.begin(), pickable.end(), false);
    for (size_t i = 0; i < snap_.tasks.size(); i++) {
      pickable[task_node(i)] =
          runnable[i] && !taken[i] && (snap_.tasks[i].cpus_allowed & free).any();
    }
    for (size_t n = nodes_.size(); n-- > 1;) {
      if (pickable[n] && nodes_[n].parent >= 0) pickable[nodes_[n].parent] = true;
    }
    if (!pickable[0]) break;
    int n = 0;
    while (static_cast<size_t>(n) < groups_) {
      int best = -1;
      for (int c : children_[n]) {
        if (pickable[c] && (best < 0 || vr[c] < vr[best])) best = c;
      }
      n = best;
    }
    size_t t = n - groups_;
    // The free CPU of its mask that the fewest other candidates could use.
    cpumask_t mine = snap_.tasks[t].cpus_allowed & free;
    int cpu = -1, best_demand = std::numeric_limits<int>::max();
    for (int c = 0; c < NR_CPUS; c++) {
      if (!mine.test(c)) continue;
      int demand = 0;
      for (size_t o = 0; o < snap_.tasks.size(); o++) {
        if (o != t && pickable[task_node(o)] && snap_.tasks[o].cpus_allowed.test(c)) demand++;
      }
      if (demand < best_demand) {
        best_demand = demand;
        cpu = c;
      }
    }
    placed[cpu] = static_cast<int>(t);
    free.reset(cpu);
    taken[t] = true;
    for (int p = n; p >= 0; p = nodes_[p].parent) vr[p] += scaled(quantum_ns, nodes_[p].weight);
  }
  return placed;
}

std::vector<double> fair_tree::effective_shares() const {
  std::vector<double> out(snap_.tasks.size(), 1.0);
  for (size_t i = 0; i < snap_.tasks.size(); i++) {
    for (int n = task_node(i); nodes_[n].parent >= 0; n = nodes_[n].parent) {
      uint64_t sum = 0;
      for (int s : children_[nodes_[n].parent]) sum += nodes_[s].weight;
      out[i] *= static_cast<double>(nodes_[n].weight) / static_cast<double>(sum);
    }
  }
  return out;
}

}  // namespace uk::sched
