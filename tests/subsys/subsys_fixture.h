// Boots a kernel with the real subsystems (subsys/) on a fixed topology (CPUs 0-3,
// memory nodes 0-1), so the tests do not depend on the machine, and offers the
// shell-like helpers the checklist tests use, all through the syscall-level API.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "subsys/registry.h"
#include "tests/util/file_helpers.h"
#include "uk/cpumask.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

namespace uk::testing {

template <size_t N>
std::bitset<N> mask_of(const std::string& list) {
  auto m = bitmap_parselist<N>(list);
  EXPECT_TRUE(m.ok()) << list;
  return m.ok() ? m.value() : std::bitset<N>();
}
inline cpumask_t cpus(const std::string& list) { return mask_of<NR_CPUS>(list); }
inline nodemask_t nodes(const std::string& list) { return mask_of<MAX_NUMNODES>(list); }

// A task's masks as cpuset left them (read under its task_lock, as the kernel's readers do).
inline cpumask_t cpus_allowed_of(task_struct& t) {
  absl::MutexLock l(&t.alloc_lock);
  return t.cpus_allowed;
}
inline nodemask_t mems_allowed_of(task_struct& t) {
  absl::MutexLock l(&t.alloc_lock);
  return t.mems_allowed;
}

class SubsysTest : public ::testing::Test {
 protected:
  void SetUp() override { boot("0-3", "0-1"); }
  void TearDown() override { shutdown(); }

  void boot(const std::string& cpu_list, const std::string& node_list) {
    boot(topology_maps::uniform(cpus(cpu_list), nodes(node_list)));
  }
  void boot(const topology_maps& maps) {
    k_.reset();
    kernel_config cfg;
    cfg.topo = topology(maps);
    k_ = std::make_unique<kernel>(default_subsys_registry(), cfg);
  }

  // Takes the kernel down the way a user would, so that nothing is left for the
  // kernel's destructor: every task but init exits, every container is removed
  // (deepest first), every hierarchy unmounted. (uk::kernel's destructor does not
  // break the super_block <-> containerfs_root cycle of a mounted hierarchy yet,
  // which ASan reports as a leak.)
  void shutdown() {
    if (!k_) return;
    for (pid_t pid : k_->all_pids()) {
      task_struct* t = k_->find_task_by_pid(pid);
      if (t != nullptr && t != k_->init_task()) k_->do_exit(t, 0);
    }
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
      remove_children(*it);
      sys_umount(init(), it->c_str(), 0);
    }
    mounts_.clear();
    k_.reset();
  }
  void remove_children(const std::string& dir) {
    for (const std::string& name : ls(init(), dir)) {
      std::string path = dir + "/" + name;
      struct stat st;
      if (sys_stat(init(), path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
      remove_children(path);
      sys_rmdir(init(), path.c_str());
    }
  }

  kernel& k() { return *k_; }
  task_struct& init() { return *k_->init_task(); }
  // A simulated child of `parent` (init by default).
  task_struct& spawn(task_struct* parent = nullptr, unsigned long flags = 0) {
    auto t = k_->do_fork(parent != nullptr ? parent : k_->init_task(), flags);
    EXPECT_TRUE(t.ok());
    return *t.value();
  }
  // mkdir DIR && mount -t container -o OPTS none DIR
  long mount(const std::string& dir, const char* opts) {
    sys_mkdir(init(), dir.c_str(), 0755);
    long r = sys_mount(init(), "none", dir.c_str(), "container", 0, opts);
    if (r == 0) mounts_.push_back(dir);
    return r;
  }
  long mkdir(const std::string& dir) { return sys_mkdir(init(), dir.c_str(), 0755); }
  long write(const std::string& path, const std::string& data) {
    return write_file(init(), path, data);
  }
  std::string read(const std::string& path) { return read_file(init(), path); }
  // echo PID > DIR/tasks, as init.
  long attach(const std::string& dir, const task_struct& t) {
    return write(dir + "/tasks", std::to_string(t.pid));
  }
  // A container with the given cpus and mems, made by init.
  void make_cpuset(const std::string& dir, const std::string& cpu_list,
                   const std::string& node_list) {
    ASSERT_EQ(mkdir(dir), 0) << dir;
    ASSERT_EQ(write(dir + "/cpus", cpu_list), long(cpu_list.size())) << dir;
    ASSERT_EQ(write(dir + "/mems", node_list), long(node_list.size())) << dir;
  }

  std::unique_ptr<kernel> k_;
  std::vector<std::string> mounts_;  // for shutdown(), in mount order
};

}  // namespace uk::testing
