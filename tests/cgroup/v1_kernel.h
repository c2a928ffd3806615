// The fixture of the cgroup flavour's subsystem tests: a kernel with the real
// subsystems on one CPU (or more: boot) and one node, and the shell-like steps they
// take as init.
#pragma once

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "subsys/registry.h"
#include "tests/util/file_helpers.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

namespace uk::testing {

class V1KernelTest : public ::testing::Test {
 protected:
  void SetUp() override { boot(1); }
  // A new kernel on CPUs 0 to `nr_cpus` - 1 and node 0.
  void boot(int nr_cpus) {
    kernel_config cfg;
    cpumask_t cpus;
    for (int cpu = 0; cpu < nr_cpus; cpu++) cpus.set(cpu);
    cfg.topo = topology(cpus, nodemask_t(1));
    k_ = std::make_unique<kernel>(default_subsys_registry(), cfg);
  }
  task_struct& init() { return *k_->init_task(); }
  task_struct& spawn(task_struct& parent) {
    auto t = k_->do_fork(&parent, 0);
    EXPECT_TRUE(t.ok());
    return *t.value();
  }
  // mkdir DIR && mount -t TYPE -o OPTS none DIR
  long mount(const std::string& dir, const char* opts, const char* type = "cgroup") {
    sys_mkdir(init(), dir.c_str(), 0755);
    return sys_mount(init(), "none", dir.c_str(), type, 0, opts);
  }
  long write(const std::string& path, const std::string& data) {
    return write_file(init(), path, data);
  }
  std::string read(const std::string& path) { return read_file(init(), path); }
  // echo PID > GROUP/tasks
  void move(task_struct& t, const std::string& group) {
    std::string pid = std::to_string(t.pid);
    ASSERT_EQ(write(group + "/tasks", pid), static_cast<long>(pid.size()));
  }

  std::unique_ptr<kernel> k_;
};

}  // namespace uk::testing
