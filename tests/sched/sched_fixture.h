// Helpers for the scheduler tests: share snapshots built by hand (no kernel), and the
// fractions a run gave.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sched/snapshot.h"
#include "uk/cpumask.h"

namespace uk::sched::testing {

inline cpumask_t cpu_list(std::initializer_list<int> cpus) {
  cpumask_t m;
  for (int c : cpus) m.set(c);
  return m;
}

// Builds a share_snapshot: groups by path (parents first), tasks by pid.
class snapshot_builder {
 public:
  snapshot_builder() { snap_.groups.push_back({"/", -1, 1024}); }
  // A child of the group at `parent_path`; returns its path.
  std::string group(const std::string& parent_path, const std::string& name, uint64_t shares) {
    int parent = index(parent_path);
    std::string path = parent_path == "/" ? "/" + name : parent_path + "/" + name;
    snap_.groups.push_back({path, parent, shares});
    return path;
  }
  // A task in the group at `path`, allowed on `cpus` (every CPU by default).
  pid_t task(const std::string& path, cpumask_t cpus = cpumask_t().set()) {
    pid_t pid = next_pid_++;
    snap_.tasks.push_back({pid, pid, false, index(path), cpus, nullptr});
    return pid;
  }
  void set_shares(const std::string& path, uint64_t shares) {
    snap_.groups[index(path)].shares = shares;
  }
  void move(pid_t pid, const std::string& path) {
    for (auto& t : snap_.tasks) {
      if (t.pid == pid) t.group = index(path);
    }
  }
  void remove(pid_t pid) {
    std::erase_if(snap_.tasks, [pid](const share_task& t) { return t.pid == pid; });
  }
  int index(const std::string& path) const {
    for (size_t i = 0; i < snap_.groups.size(); i++) {
      if (snap_.groups[i].path == path) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no group " << path;
    return 0;
  }
  const share_snapshot& get() const { return snap_; }

 private:
  share_snapshot snap_;
  pid_t next_pid_ = 100;
};

inline double fraction(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace uk::sched::testing
