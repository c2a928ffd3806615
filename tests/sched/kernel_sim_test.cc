// The simulator over a booted kernel's simulated tasks: the hierarchy, shares and
// memberships come from the cpu subsystem (take_snapshot), affinity from cpuset, and
// the simulated CPU time is charged to cpuacct, whose `usage` files show the split.
#include <fcntl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sched/simulator.h"
#include "sched/snapshot.h"
#include "subsys/cpu.h"
#include "subsys/cpuacct.h"
#include "subsys/registry.h"
#include "uk/kernel.h"
#include "vfs/syscalls.h"

namespace uk::testing {
namespace {

using sched::share_snapshot;
using sched::simulator;
using sched::task_kind;

constexpr uint64_t kSec = 1000000000;

// A kernel on CPUs 0-3 and node 0, driven as init through the syscall API.
class KernelSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kernel_config cfg;
    cfg.topo = topology(cpumask_t(0xf), nodemask_t(1));
    k_ = std::make_unique<kernel>(default_subsys_registry(), cfg);
  }
  // Leaves nothing for the kernel's destructor: tasks exit, containers go (deepest
  // first), hierarchies are unmounted.
  void TearDown() override {
    for (pid_t pid : k().all_pids()) {
      task_struct* t = k().find_task_by_pid(pid);
      if (t != nullptr && t != k().init_task()) k().do_exit(t, 0);
    }
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) sys_rmdir(init(), it->c_str());
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) sys_umount(init(), it->c_str(), 0);
    k_.reset();
  }
  kernel& k() { return *k_; }
  task_struct& init() { return *k_->init_task(); }
  task_struct& spawn() { return *k().do_fork(k().init_task(), 0).value(); }
  long mount(const std::string& dir, const char* opts) {
    sys_mkdir(init(), dir.c_str(), 0755);
    long r = sys_mount(init(), "none", dir.c_str(), "container", 0, opts);
    if (r == 0) mounts_.push_back(dir);
    return r;
  }
  long mkdir(const std::string& dir) {
    long r = sys_mkdir(init(), dir.c_str(), 0755);
    if (r == 0) dirs_.push_back(dir);
    return r;
  }
  long write(const std::string& path, const std::string& data) {
    long fd = sys_open(init(), path.c_str(), O_WRONLY);
    if (fd < 0) return fd;
    long n = sys_write(init(), fd, data.data(), data.size());
    sys_close(init(), fd);
    return n;
  }
  std::string read(const std::string& path) {
    long fd = sys_open(init(), path.c_str(), O_RDONLY);
    if (fd < 0) return "ERR:" + std::to_string(-fd);
    std::string out;
    char buf[4096];
    long n;
    while ((n = sys_read(init(), fd, buf, sizeof buf)) > 0) out.append(buf, n);
    sys_close(init(), fd);
    return out;
  }
  long attach(const std::string& dir, const task_struct& t) {
    std::string pid = std::to_string(t.pid);
    return write(dir + "/tasks", pid) == long(pid.size()) ? 1 : -1;
  }
  void make_cpuset(const std::string& dir, const std::string& cpu_list,
                   const std::string& node_list) {
    ASSERT_EQ(mkdir(dir), 0) << dir;
    ASSERT_EQ(write(dir + "/cpus", cpu_list), long(cpu_list.size())) << dir;
    ASSERT_EQ(write(dir + "/mems", node_list), long(node_list.size())) << dir;
  }
  cpu_subsys& cpu() { return *static_cast<cpu_subsys*>(k().containers().subsys(cpu_subsys_id)); }
  cpuacct_subsys& acct() {
    return *static_cast<cpuacct_subsys*>(k().containers().subsys(cpuacct_subsys_id));
  }
  share_snapshot snap() {
    return sched::take_snapshot(
        k(), [this](const container* c) { return cpu().shares_of(c); }, task_kind::simulated);
  }
  uint64_t usage(const std::string& dir) { return std::stoull(read(dir + "/usage")); }
  void charge_to_cpuacct(simulator& sim) {
    sim.set_charge_hook(
        [this](const sched::share_task& t, uint64_t ns) { acct().charge(t.task, ns); });
  }

  std::unique_ptr<kernel> k_;
  std::vector<std::string> mounts_, dirs_;
};

TEST_F(KernelSimTest, SnapshotFollowsTheCpuHierarchy) {
  ASSERT_EQ(mount("/cpu", "cpu,cpuacct"), 0);
  ASSERT_EQ(mkdir("/cpu/Guests"), 0);
  ASSERT_EQ(mkdir("/cpu/Guests/A"), 0);
  ASSERT_EQ(write("/cpu/Guests/shares", "9216"), 4);
  task_struct& t = spawn();
  ASSERT_EQ(attach("/cpu/Guests/A", t), 1);
  share_snapshot s = snap();
  ASSERT_EQ(s.groups.size(), 3u);
  EXPECT_EQ(s.groups[0].path, "/");
  EXPECT_EQ(s.groups[1].path, "/Guests");
  EXPECT_EQ(s.groups[1].shares, 9216u);
  EXPECT_EQ(s.groups[1].parent, 0);
  EXPECT_EQ(s.groups[2].path, "/Guests/A");
  EXPECT_EQ(s.groups[2].parent, 1);
  // init and t are simulated tasks here; init stays in the root.
  ASSERT_EQ(s.tasks.size(), 2u);
  for (const auto& st : s.tasks) {
    EXPECT_EQ(s.groups[st.group].path, st.pid == t.pid ? "/Guests/A" : "/") << st.pid;
    EXPECT_EQ(st.task, k().find_task_by_pid(st.pid));
  }
  // Exited tasks leave.
  k().do_exit(&t, 0);
  EXPECT_EQ(snap().tasks.size(), 1u);
  EXPECT_TRUE(sched::take_snapshot(
                  k(), [this](const container* c) { return cpu().shares_of(c); }, task_kind::real)
                  .tasks.empty());
}

TEST_F(KernelSimTest, UnboundCpuIsOneGroup) {
  spawn();
  share_snapshot s = snap();
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_EQ(s.groups[0].shares, CPU_SHARES_DEFAULT);
  EXPECT_EQ(s.tasks.size(), 2u);
}

TEST_F(KernelSimTest, ArticleSplitChargedToCpuacct) {
  ASSERT_EQ(mount("/cpu", "cpu,cpuacct"), 0);
  ASSERT_EQ(mount("/cpuset", "cpuset"), 0);
  make_cpuset("/cpuset/one", "2", "0");
  for (const char* d : {"/cpu/System", "/cpu/Guests", "/cpu/Guests/A", "/cpu/Guests/B"}) {
    ASSERT_EQ(mkdir(d), 0) << d;
  }
  ASSERT_EQ(write("/cpu/System/shares", "1024"), 4);
  ASSERT_EQ(write("/cpu/Guests/shares", "9216"), 4);
  ASSERT_EQ(write("/cpu/Guests/A/shares", "2048"), 4);
  ASSERT_EQ(write("/cpu/Guests/B/shares", "1024"), 4);
  // init sleeps: move it out of the way of the one CPU by leaving it unconfined and idle.
  task_struct& sys = spawn();
  task_struct& a1 = spawn();
  task_struct& a2 = spawn();
  task_struct& b1 = spawn();
  for (task_struct* t : {&sys, &a1, &a2, &b1}) ASSERT_EQ(attach("/cpuset/one", *t), 1);
  ASSERT_EQ(attach("/cpu/System", sys), 1);
  ASSERT_EQ(attach("/cpu/Guests/A", a1), 1);
  ASSERT_EQ(attach("/cpu/Guests/A", a2), 1);
  ASSERT_EQ(attach("/cpu/Guests/B", b1), 1);

  simulator sim(cpumask_t(0xf));
  share_snapshot s = snap();
  sim.update(s);
  sim.set_pattern(init().pid, {.start_ns = 1000 * kSec});
  charge_to_cpuacct(sim);
  sim.run(10 * kSec);
  // All four share CPU 2 (the cpuset); CPUs 0, 1, 3 idle.
  uint64_t sys_ns = usage("/cpu/System"), a_ns = usage("/cpu/Guests/A"),
           b_ns = usage("/cpu/Guests/B");
  EXPECT_EQ(usage("/cpu/Guests"), 0u);  // its own tasks only, as 2.6.24
  EXPECT_EQ(sys_ns + a_ns + b_ns, 10 * kSec);
  EXPECT_NEAR(sys_ns / 1e10, 0.10, 0.005);
  EXPECT_NEAR(a_ns / 1e10, 0.60, 0.005);
  EXPECT_NEAR(b_ns / 1e10, 0.30, 0.005);
  EXPECT_EQ(sim.idle_ns(), 30 * kSec);

  // System goes idle (its task exits): Guests take the whole CPU, still 2:1.
  k().do_exit(&sys, 0);
  sim.update(snap());
  sim.run(3 * kSec);
  EXPECT_EQ(usage("/cpu/System"), sys_ns);
  uint64_t da = usage("/cpu/Guests/A") - a_ns, db = usage("/cpu/Guests/B") - b_ns;
  EXPECT_EQ(da + db, 3 * kSec);
  EXPECT_NEAR(da / 3e9, 2.0 / 3, 0.005);
}

}  // namespace
}  // namespace uk::testing
