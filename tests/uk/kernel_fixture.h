// Boots a kernel with the recording subsystems and offers the shell-like helpers the
// checklist tests use (all through the syscall-level API, as a user would).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/uk/recording_subsys.h"
#include "tests/util/file_helpers.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

namespace uk::testing {

inline std::string pids_text(std::vector<pid_t> pids) {
  std::sort(pids.begin(), pids.end());
  std::string s;
  for (pid_t p : pids) s += std::to_string(p) + "\n";
  return s;
}

class KernelTest : public ::testing::Test {
 protected:
  void SetUp() override { boot(false, false); }

  void boot(bool fork_hooks, bool exit_hooks, bool can_fork_hooks = false) {
    k_.reset();
    set_recording_forkexit(fork_hooks, exit_hooks, can_fork_hooks);
    kernel_config cfg;
    cpumask_t cpus;
    cpus.set(0);
    cpus.set(1);
    nodemask_t mems;
    mems.set(0);
    cfg.topo = topology(cpus, mems);
    k_ = std::make_unique<kernel>(recording_registry(), cfg);
    recording_log().take();
    k_->set_usermode_helper(
        [this](const std::vector<std::string>& argv, const std::vector<std::string>& envp) {
          absl::MutexLock l(&agent_mu_);
          agent_calls_.push_back({argv, envp});
        });
  }

  task_struct& init() { return *k_->init_task(); }
  kernel& k() { return *k_; }
  task_struct& spawn(task_struct& parent, unsigned long flags = 0) {
    auto t = k_->do_fork(&parent, flags);
    EXPECT_TRUE(t.ok());
    return *t.value();
  }
  recording_subsys& ss(int id) {
    return *static_cast<recording_subsys*>(k_->containers().subsys(id));
  }
  // mkdir DIR && mount -t container -o OPTS none DIR
  long mount(const std::string& dir, const char* opts) {
    sys_mkdir(init(), dir.c_str(), 0755);
    return sys_mount(init(), "none", dir.c_str(), "container", 0, opts);
  }
  struct agent_call {
    std::vector<std::string> argv, envp;
  };
  std::vector<agent_call> agent_calls() {
    k_->flush_work();
    absl::MutexLock l(&agent_mu_);
    return agent_calls_;
  }

  std::unique_ptr<kernel> k_;
  absl::Mutex agent_mu_;
  std::vector<agent_call> agent_calls_;
};

}  // namespace uk::testing
