// The cgroup flavour's cpu files (today's cpu_legacy_files[] and rt_group_files[]):
// their names, modes, defaults and every write's answer, as this host's kernel (6.18)
// gave them in a fresh child of its cpu hierarchy; except that uk, which enforces no
// bandwidth, refuses a CPU quota and a change of RT runtime with EOPNOTSUPP where the
// kernel accepts them (subsys/cpu.h).
#include <sched.h>
#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subsys/cpu.h"
#include "tests/cgroup/v1_kernel.h"
#include "tests/util/file_helpers.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

namespace uk::testing {
namespace {

using ::testing::ElementsAre;

class CpuV1Test : public V1KernelTest {
 protected:
  void SetUp() override {
    V1KernelTest::SetUp();
    static_cast<cpu_subsys*>(k_->containers().subsys(cpu_subsys_id))->set_bandwidth_notice([this] {
      notices_++;
    });
  }
  long mount(const std::string& dir, const char* type = "cgroup") {
    return V1KernelTest::mount(dir, "cpu", type);
  }
  // A write's answer as the probe printed it: "ok" or the errno's name.
  std::string answer(const std::string& path, const std::string& data) {
    long r = write(path, data);
    if (r >= 0) return "ok";
    switch (-r) {
      case EINVAL:
        return "EINVAL";
      case ERANGE:
        return "ERANGE";
      case EOPNOTSUPP:
        return "EOPNOTSUPP";
      default:
        return std::to_string(r);
    }
  }

  std::atomic<int> notices_{0};
};

TEST_F(CpuV1Test, FilesModesAndDefaults) {
  ASSERT_EQ(mount("/c"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  const char* names[] = {"cpu.cfs_burst_us", "cpu.cfs_period_us", "cpu.cfs_quota_us",
                         "cpu.idle",         "cpu.rt_period_us",  "cpu.rt_runtime_us",
                         "cpu.shares",       "cpu.stat",          "cpu.stat.local"};
  const char* child[] = {"0\n",
                         "100000\n",
                         "-1\n",
                         "0\n",
                         "1000000\n",
                         "0\n",
                         "1024\n",
                         ("nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"
                          "nr_bursts 0\nburst_time 0\n"),
                         "throttled_time 0\n"};
  for (size_t i = 0; i < std::size(names); i++) {
    for (const char* dir : {"/c/", "/c/a/"}) {
      std::string p = std::string(dir) + names[i];
      struct stat st;
      ASSERT_EQ(sys_stat(init(), p.c_str(), &st), 0) << p;
      bool ro = std::string(names[i]).rfind("cpu.stat", 0) == 0;
      EXPECT_EQ(st.st_mode & 07777, ro ? 0444u : 0644u) << p;
    }
    EXPECT_EQ(read(std::string("/c/a/") + names[i]), child[i]) << names[i];
  }
  // sched_init(): the root's RT runtime is global_rt_runtime().
  EXPECT_EQ(read("/c/cpu.rt_runtime_us"), "950000\n");
}

// Each write to a fresh child, then what the file reads: the host's answers, value by
// value (the probe reset shares, idle and the bandwidth files between writes).
TEST_F(CpuV1Test, WritesAnswerAsTheHost) {
  ASSERT_EQ(mount("/c"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  const std::vector<std::string> values = {
      "-1",   "0",  "1",  "999", "1000", "1000000", "1000001", "262145", "18446744073709551615",
      "0x10", "+5", " 5", "5\n", "abc",  "-0"};
  struct row {
    const char* file;
    std::vector<std::string> answers;  // "RESULT READ" per value
  };
  const row rows[] = {
      {"cpu.shares",
       {"EINVAL 1024", "ok 2", "ok 2", "ok 999", "ok 1000", "ok 262144", "ok 262144", "ok 262144",
        "ok 262144", "ok 16", "ok 5", "EINVAL 1024", "ok 5", "EINVAL 1024", "EINVAL 1024"}},
      {"cpu.idle",
       {"EINVAL 0", "ok 0", "ok 1", "EINVAL 0", "EINVAL 0", "EINVAL 0", "EINVAL 0", "EINVAL 0",
        "ERANGE 0", "EINVAL 0", "EINVAL 0", "EINVAL 0", "EINVAL 0", "EINVAL 0", "ok 0"}},
      // The host: ok for 1000, 1000000, 1000001 and 262145 (uk: EOPNOTSUPP).
      {"cpu.cfs_quota_us",
       {"ok -1", "EINVAL -1", "EINVAL -1", "EINVAL -1", "EOPNOTSUPP -1", "EOPNOTSUPP -1",
        "EOPNOTSUPP -1", "EOPNOTSUPP -1", "ERANGE -1", "EINVAL -1", "EINVAL -1", "EINVAL -1",
        "EINVAL -1", "EINVAL -1", "EINVAL -1"}},
      {"cpu.cfs_period_us",
       {"EINVAL 100000", "EINVAL 100000", "EINVAL 100000", "EINVAL 100000", "ok 1000", "ok 1000000",
        "EINVAL 100000", "ok 262145", "EINVAL 100000", "EINVAL 100000", "EINVAL 100000",
        "EINVAL 100000", "EINVAL 100000", "EINVAL 100000", "EINVAL 100000"}},
      {"cpu.cfs_burst_us",
       {"EINVAL 0", "ok 0", "ok 1", "ok 999", "ok 1000", "ok 1000000", "ok 1000001", "ok 262145",
        "EINVAL 0", "ok 16", "ok 5", "EINVAL 0", "ok 5", "EINVAL 0", "EINVAL 0"}},
      {"cpu.stat",
       std::vector<std::string>(
           15,
           "EINVAL nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time "
           "0")},
  };
  for (const row& r : rows) {
    std::string p = std::string("/c/a/") + r.file;
    for (size_t i = 0; i < values.size(); i++) {
      std::string result = answer(p, values[i]);
      std::string text = read(p);
      text.pop_back();
      EXPECT_EQ(result + " " + text, r.answers[i]) << r.file << " <- '" << values[i] << "'";
      for (auto [f, v] : {std::pair{"cpu.idle", "0"},
                          {"cpu.shares", "1024"},
                          {"cpu.cfs_quota_us", "-1"},
                          {"cpu.cfs_burst_us", "0"},
                          {"cpu.cfs_period_us", "100000"}}) {
        write(std::string("/c/a/") + f, v);
      }
    }
  }
  EXPECT_EQ(notices_.load(), 4);
}

// The RT files: a child's runtime within its period and the global 0.95 (rt.c
// tg_rt_schedulable), negative for no limit; the host accepted 0, 1, 999, 1000, 262145,
// 0x10, +5 and "5\n" (uk: EOPNOTSUPP, and the child keeps 0). A child's period is kept
// while it has no runtime; the root's runtime is never 0, nor past the global ratio.
TEST_F(CpuV1Test, RtBandwidthIsCheckedThenRefused) {
  ASSERT_EQ(mount("/c"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  EXPECT_EQ(answer("/c/a/cpu.rt_runtime_us", "-1"), "EINVAL");  // no limit: ratio 1 > 0.95
  EXPECT_EQ(answer("/c/a/cpu.rt_runtime_us", "0"), "ok");
  EXPECT_EQ(answer("/c/a/cpu.rt_runtime_us", "1000"), "EOPNOTSUPP");
  EXPECT_EQ(answer("/c/a/cpu.rt_runtime_us", "1000000"), "EINVAL");  // the whole period
  EXPECT_EQ(answer("/c/a/cpu.rt_runtime_us", "1000001"), "EINVAL");
  EXPECT_EQ(answer("/c/a/cpu.rt_runtime_us", "18446744073709551615"), "ERANGE");
  EXPECT_EQ(read("/c/a/cpu.rt_runtime_us"), "0\n");
  EXPECT_EQ(answer("/c/a/cpu.rt_period_us", "262145"), "ok");
  EXPECT_EQ(read("/c/a/cpu.rt_period_us"), "262145\n");
  EXPECT_EQ(answer("/c/a/cpu.rt_period_us", "0"), "EINVAL");
  EXPECT_EQ(answer("/c/a/cpu.rt_period_us", "18446744073709551615"), "EINVAL");
  EXPECT_EQ(answer("/c/cpu.rt_runtime_us", "0"), "EINVAL");
  EXPECT_EQ(answer("/c/cpu.rt_runtime_us", "960000"), "EINVAL");
  EXPECT_EQ(answer("/c/cpu.rt_runtime_us", "950000"), "ok");  // unchanged
  EXPECT_EQ(answer("/c/cpu.rt_runtime_us", "100000"), "EOPNOTSUPP");
  EXPECT_EQ(read("/c/cpu.rt_runtime_us"), "950000\n");
}

// The root group: its shares, idle flag and CFS bandwidth are not to be set (EINVAL:
// no sched_entity, tg_set_bandwidth's and sched_group_set_idle's root checks).
TEST_F(CpuV1Test, TheRootRefusesItsFairSettings) {
  ASSERT_EQ(mount("/c"), 0);
  for (auto [f, v] : {std::pair{"cpu.shares", "1024"},
                      {"cpu.idle", "0"},
                      {"cpu.cfs_quota_us", "-1"},
                      {"cpu.cfs_period_us", "100000"},
                      {"cpu.cfs_burst_us", "0"}}) {
    EXPECT_EQ(answer(std::string("/c/") + f, v), "EINVAL") << f;
  }
  EXPECT_EQ(answer("/c/cpu.shares", "abc"), "EINVAL");
  EXPECT_EQ(answer("/c/cpu.idle", "99999999999999999999"), "ERANGE");  // parsed first
}

// sched_group_set_idle(): an idle group weighs WEIGHT_IDLEPRIO (its shares read 3, and
// a shares write is EINVAL); leaving idle gives NICE_0_LOAD back, not the old share.
TEST_F(CpuV1Test, IdleSetsTheShares) {
  ASSERT_EQ(mount("/c"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  ASSERT_EQ(write("/c/a/cpu.shares", "2048"), 4);
  ASSERT_EQ(write("/c/a/cpu.idle", "1"), 1);
  EXPECT_EQ(read("/c/a/cpu.shares"), "3\n");
  EXPECT_EQ(answer("/c/a/cpu.shares", "3"), "EINVAL");
  EXPECT_EQ(answer("/c/a/cpu.idle", "1"), "ok");
  EXPECT_EQ(read("/c/a/cpu.shares"), "3\n");
  ASSERT_EQ(write("/c/a/cpu.idle", "0"), 1);
  EXPECT_EQ(read("/c/a/cpu.shares"), "1024\n");
  // Burst with no quota is kept whatever its size; a quota below it is then EINVAL.
  EXPECT_EQ(answer("/c/a/cpu.cfs_burst_us", "5000000"), "ok");
  EXPECT_EQ(answer("/c/a/cpu.cfs_quota_us", "100000"), "EINVAL");
  EXPECT_EQ(answer("/c/a/cpu.cfs_burst_us", "18446744073709551"), "ok");
  EXPECT_EQ(answer("/c/a/cpu.cfs_burst_us", "18446744073709552"), "EINVAL");
}

// sched_rt_can_attach(): an RT task may join a group with RT runtime (the root) only;
// 2.6.24 kept it out of every group, the root included (cpu_cgroup_can_attach).
TEST_F(CpuV1Test, RtTasksJoinGroupsWithRuntimeOnly) {
  ASSERT_EQ(mount("/c"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  auto t = k_->do_fork(&init(), 0);
  ASSERT_TRUE(t.ok());
  task_struct& rt = **t;
  rt.policy = SCHED_FIFO;
  std::string pid = std::to_string(rt.pid);
  EXPECT_EQ(write("/c/a/tasks", pid), -EINVAL);
  rt.policy = SCHED_OTHER;
  ASSERT_EQ(write("/c/a/tasks", pid), static_cast<long>(pid.size()));
  rt.policy = SCHED_FIFO;  // back to the root, which has runtime
  EXPECT_EQ(write("/c/tasks", pid), static_cast<long>(pid.size()));
}

TEST_F(CpuV1Test, ThePatchKeepsRtTasksInTheRootAndHasSharesAlone) {
  ASSERT_EQ(mount("/v", "container"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a", 0755), 0);
  EXPECT_THAT(ls(init(), "/v/a"),
              ElementsAre("notify_on_release", "releasable", "shares", "tasks"));
  auto t = k_->do_fork(&init(), 0);
  ASSERT_TRUE(t.ok());
  std::string pid = std::to_string((*t)->pid);
  ASSERT_EQ(write("/v/a/tasks", pid), static_cast<long>(pid.size()));
  (*t)->policy = SCHED_FIFO;
  EXPECT_EQ(write("/v/tasks", pid), -EINVAL);
}

}  // namespace
}  // namespace uk::testing
