#include "sched/simulator.h"

#include <algorithm>

namespace uk::sched {

simulator::simulator(cpumask_t cpus, uint64_t quantum_ns)
    : cpus_(cpus), quantum_(std::max<uint64_t>(quantum_ns, 1)) {}

void simulator::update(const share_snapshot& snap) { tree_.rebuild(snap); }

simulator::task_state& simulator::state_of(pid_t pid) {
  task_state& s = tasks_[pid];
  if (!s.started) {
    s.started = true;
    s.burst_left = s.pattern.run_ns;
    s.wake_at = std::max(s.pattern.start_ns, now_);
  }
  return s;
}

void simulator::set_pattern(pid_t pid, task_pattern p) {
  task_state& s = tasks_[pid];
  s.pattern = p;
  s.started = false;
}

void simulator::run(uint64_t duration_ns) {
  const share_snapshot& snap = tree_.snapshot();
  uint64_t end = now_ + duration_ns;
  std::vector<bool> runnable(snap.tasks.size());
  while (now_ < end) {
    for (size_t i = 0; i < snap.tasks.size(); i++) {
      runnable[i] = state_of(snap.tasks[i].pid).wake_at <= now_;
    }
    std::vector<int> placed = tree_.pick(runnable, cpus_, quantum_);
    for (int cpu = 0; cpu < NR_CPUS; cpu++) {
      if (!cpus_.test(cpu)) continue;
      if (placed[cpu] < 0) {
        idle_ += quantum_;
        continue;
      }
      size_t i = static_cast<size_t>(placed[cpu]);
      const share_task& t = snap.tasks[i];
      task_state& s = state_of(t.pid);
      uint64_t ran = std::min(quantum_, s.burst_left);
      idle_ += quantum_ - ran;  // the burst ended early: the CPU idles till the quantum ends
      s.burst_left -= ran;
      if (s.burst_left == 0) {
        s.burst_left = s.pattern.run_ns;
        s.wake_at = now_ + ran + s.pattern.sleep_ns;
      }
      tree_.charge(i, ran);
      task_time_[t.pid] += ran;
      group_own_time_[snap.groups[t.group].path] += ran;
      if (charge_) charge_(t, ran);
    }
    now_ += quantum_;
  }
}

uint64_t simulator::task_time(pid_t pid) const {
  auto it = task_time_.find(pid);
  return it == task_time_.end() ? 0 : it->second;
}

uint64_t simulator::group_time(const std::string& path, bool with_children) const {
  uint64_t sum = 0;
  for (const auto& [p, ns] : group_own_time_) {
    bool below = p == path ||
                 (with_children &&
                  (path == "/" ? p.size() > 1
                               : p.size() > path.size() && p.compare(0, path.size(), path) == 0 &&
                                     p[path.size()] == '/'));
    if (below) sum += ns;
  }
  return sum;
}

}  // namespace uk::sched
