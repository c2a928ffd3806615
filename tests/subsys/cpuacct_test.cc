// The cpuacct subsystem with simulated charging (checklist rows 107, 112), and real
// tasks charged from a fake host's CPU clocks (the cputime_hooks seam).
#include "subsys/cpuacct.h"

#include <sched.h>

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"

namespace uk::testing {
namespace {

class CpuacctTest : public SubsysTest {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    ASSERT_EQ(mount("/acct", "cpuacct"), 0);
  }
  cpuacct_subsys& acct() {
    return *static_cast<cpuacct_subsys*>(k().containers().subsys(cpuacct_subsys_id));
  }
};

TEST_F(CpuacctTest, Row107_UsageCountsMembersOnlyNotChildren) {
  ASSERT_EQ(mkdir("/acct/a"), 0);
  ASSERT_EQ(mkdir("/acct/a/b"), 0);
  task_struct& ta = spawn();
  task_struct& tb = spawn();
  ASSERT_GT(attach("/acct/a", ta), 0);
  ASSERT_GT(attach("/acct/a/b", tb), 0);
  EXPECT_EQ(read("/acct/a/usage"), "0\n");
  acct().charge(&ta, 1000);
  acct().charge(&tb, 250);
  acct().charge(&ta, 5);
  EXPECT_EQ(read("/acct/a/usage"), "1005\n");
  EXPECT_EQ(read("/acct/a/b/usage"), "250\n");
  // Time is charged where the task is when it runs.
  ASSERT_GT(attach("/acct/a/b", ta), 0);
  acct().charge(&ta, 10);
  EXPECT_EQ(read("/acct/a/usage"), "1005\n");
  EXPECT_EQ(read("/acct/a/b/usage"), "260\n");
}

TEST_F(CpuacctTest, Row107_RootCountsTasksInRoot) {
  std::string before = read("/acct/usage");
  acct().charge(&init(), 42);
  EXPECT_EQ(std::stoull(read("/acct/usage")), std::stoull(before) + 42);
}

TEST_F(CpuacctTest, Row112_UsageIsReadOnly) {
  ASSERT_EQ(mkdir("/acct/a"), 0);
  EXPECT_EQ(write("/acct/a/usage", "0"), -EINVAL);
  EXPECT_EQ(write("/acct/usage", "0"), -EINVAL);
}

TEST_F(CpuacctTest, UnboundSubsystemChargesTheRootState) {
  // cpuacct on another hierarchy than the task's moves does not matter: charging
  // goes to the task's container in cpuacct's own hierarchy.
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  task_struct& t = spawn();
  acct().charge(&t, 7);
  EXPECT_EQ(std::stoull(read("/acct/usage")), 7u);
}

TEST_F(CpuacctTest, RmdirAfterCharging) {
  ASSERT_EQ(mkdir("/acct/a"), 0);
  task_struct& t = spawn();
  ASSERT_GT(attach("/acct/a", t), 0);
  acct().charge(&t, 3);
  ASSERT_GT(attach("/acct", t), 0);
  long fd = sys_open(init(), "/acct/a/usage", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(sys_rmdir(init(), "/acct/a"), 0);
  char buf[32];
  EXPECT_GE(sys_read(init(), fd, buf, sizeof buf), 0);
  sys_close(init(), fd);
}

// A host whose threads' CPU times the test sets; a thread not in `ns` is gone.
class fake_cputime : public cputime_hooks {
 public:
  std::optional<uint64_t> cputime(pid_t tgid, pid_t tid, bool whole_process) override {
    calls.emplace_back(tgid, tid, whole_process);
    auto it = ns.find(tid);
    if (it == ns.end()) return std::nullopt;
    return it->second;
  }
  absl::flat_hash_map<pid_t, uint64_t> ns;
  std::vector<std::tuple<pid_t, pid_t, bool>> calls;
};

TEST_F(CpuacctTest, RealTasksAreChargedFromTheHooksOnly) {
  ASSERT_EQ(mkdir("/acct/a"), 0);
  fake_cputime host;
  // No hooks: a real task's time cannot be read, and nothing is charged.
  auto early = k().do_fork(&init(), 0, 500);
  ASSERT_TRUE(early.ok());
  ASSERT_GT(attach("/acct/a", *early.value()), 0);
  EXPECT_EQ(read("/acct/a/usage"), "0\n");
  k().do_exit(early.value(), 0);

  acct().set_cputime_hooks(&host);
  auto leader = k().do_fork(&init(), 0, 600);
  ASSERT_TRUE(leader.ok());
  task_struct& t = *leader.value();
  host.ns[600] = 100;
  // The time before a move goes to the container left (the root).
  ASSERT_GT(attach("/acct/a", t), 0);
  EXPECT_EQ(read("/acct/usage"), "100\n");
  host.ns[600] = 250;
  EXPECT_EQ(read("/acct/a/usage"), "150\n");
  // Once uk knows a second thread, the leader's reading is its own, not the process's.
  auto thread =
      k().do_fork(&t, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND, 601);
  ASSERT_TRUE(thread.ok());
  host.ns[600] = 260;
  host.ns[601] = 7;
  EXPECT_EQ(read("/acct/a/usage"), "167\n");
  // The last stretch at exit; a thread already gone charges nothing.
  host.ns[600] = 300;
  host.ns.erase(601);
  k().do_exit(thread.value(), 0);
  k().do_exit(&t, 0);
  EXPECT_EQ(read("/acct/a/usage"), "207\n");
  // The process's whole time until its second thread (attach, first usage read), its
  // threads' own after (second usage read, both exits). A usage read is two read()s
  // (the second finds the end), each reading the members.
  using call = std::tuple<pid_t, pid_t, bool>;
  std::sort(host.calls.begin(), host.calls.end());
  EXPECT_EQ(host.calls, (std::vector<call>{{600, 600, false},
                                           {600, 600, false},
                                           {600, 600, false},
                                           {600, 600, true},
                                           {600, 600, true},
                                           {600, 600, true},
                                           {600, 601, false},
                                           {600, 601, false},
                                           {600, 601, false}}));
  acct().set_cputime_hooks(nullptr);
}

// A real init's time before the hooks were installed is nobody's: installing them takes
// its baseline.
TEST_F(CpuacctTest, RealInitIsChargedFromWhenTheHooksAreInstalled) {
  shutdown();
  kernel_config cfg;
  cfg.init_pid = 40;
  cfg.init_is_real = true;
  cfg.topo = topology(cpus("0"), nodes("0"));
  k_ = std::make_unique<kernel>(default_subsys_registry(), cfg);
  ASSERT_EQ(mount("/acct", "cpuacct"), 0);
  fake_cputime host;
  host.ns[40] = 1000;
  acct().set_cputime_hooks(&host);
  host.ns[40] = 1600;
  EXPECT_EQ(read("/acct/usage"), "600\n");
  using call = std::tuple<pid_t, pid_t, bool>;
  // The baseline, then the usage read's two read()s.
  EXPECT_EQ(host.calls, (std::vector<call>{{40, 40, false}, {40, 40, false}, {40, 40, false}}));
  acct().set_cputime_hooks(nullptr);
}

}  // namespace
}  // namespace uk::testing
