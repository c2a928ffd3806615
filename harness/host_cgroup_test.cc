// host_cgroup's parsing and the shares-to-weight conversion (the subtree itself is
// exercised on the host by tests/e2e:cpu_host_test).
#include "harness/host_cgroup.h"

#include "gtest/gtest.h"

namespace ukrun {
namespace {

constexpr char kProcCgroup[] =
    "9:name=systemd:/\n"
    "2:cpuacct:/\n"
    "1:cpu,cpuacct:/user.slice/a b\n"
    "0::/user.slice/user-1000.slice/session-2.scope\n";

TEST(HostCgroupTest, CgroupOf) {
  EXPECT_EQ(cgroup_of(kProcCgroup, "cpu"), "/user.slice/a b");
  EXPECT_EQ(cgroup_of(kProcCgroup, "cpuacct"), "/");  // the first line naming it
  EXPECT_EQ(cgroup_of(kProcCgroup, ""), "/user.slice/user-1000.slice/session-2.scope");
  EXPECT_EQ(cgroup_of(kProcCgroup, "freezer"), std::nullopt);
  EXPECT_EQ(cgroup_of("1:cpuset:/x\n", "cpu"), std::nullopt);  // a prefix is not a match
}

constexpr char kMountinfo[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "33 31 0:30 /lxc/c1 /sys/fs/cgroup/cpu\\040x rw,relatime shared:9 - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "40 31 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(HostCgroupTest, FindCgroupMount) {
  auto cpu = find_cgroup_mount(kMountinfo, "cpu");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->dir, "/sys/fs/cgroup/cpu x");
  EXPECT_EQ(cpu->root, "/lxc/c1");
  auto v2 = find_cgroup_mount(kMountinfo, "");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->dir, "/sys/fs/cgroup/unified");
  EXPECT_EQ(find_cgroup_mount(kMountinfo, "freezer"), std::nullopt);
}

// kernel/sched/sched.h: sched_weight_to_cgroup(w) = clamp(DIV_ROUND_CLOSEST(w * 100, 1024),
// 1, 10000); cpu.weight 100 and cpu.shares 1024 are both the default.
TEST(HostCgroupTest, SharesToWeight) {
  EXPECT_EQ(shares_to_weight(1024), 100u);
  EXPECT_EQ(shares_to_weight(9216), 900u);
  EXPECT_EQ(shares_to_weight(2048), 200u);
  EXPECT_EQ(shares_to_weight(100), 10u);          // 9.77 rounds to 10
  EXPECT_EQ(shares_to_weight(2), 1u);             // the minimum
  EXPECT_EQ(shares_to_weight(1u << 20), 10000u);  // the maximum
  EXPECT_EQ(shares_to_weight(1029), 100u);        // 100.49
  EXPECT_EQ(shares_to_weight(1030), 101u);        // 100.59
}

}  // namespace
}  // namespace ukrun
