// Which subsystems a `-t cgroup` mount offers and the order it lists them in: today's
// include/linux/cgroup_subsys.h (for_each_subsys), which orders the mount options
// (cgroup1_show_options), /proc/<pid>/cgroup's names (proc_cgroup_show) and
// /proc/cgroups' rows (cgroupstats_show). The ns subsystem is the patch's only (removed
// in 3.0): under -t cgroup its name is unknown, as any other (cgroup1_parse_param's
// EINVAL), and a mount of all subsystems leaves it free. The patch's flavour keeps its
// own order (its subsys_list: newest bound first) and every subsystem.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cgroup/v1_kernel.h"
#include "vfs/syscalls.h"

namespace uk::testing {
namespace {

using ::testing::HasSubstr;
using SubsysOrderTest = V1KernelTest;

TEST_F(SubsysOrderTest, ProcCgroupsListsTodaysSubsystemsInTodaysOrder) {
  EXPECT_EQ(read("/proc/cgroups"),
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
            "cpuset\t0\t1\t1\ncpu\t0\t1\t1\ncpuacct\t0\t1\t1\nfreezer\t0\t1\t1\n"
            "net\t0\t1\t1\npids\t0\t1\t1\ndebug\t0\t1\t1\n");
  // The patch's file: every subsystem, in id order.
  EXPECT_EQ(read("/proc/containers"),
            "#subsys_name\thierarchy\tnum_containers\n"
            "cpuset\t0\t1\ndebug\t0\t1\nns\t0\t1\ncpu\t0\t1\ncpuacct\t0\t1\n"
            "pids\t0\t1\nfreezer\t0\t1\nnet\t0\t1\n");
}

TEST_F(SubsysOrderTest, OptionsAndProcPidCgroupNameThemInTodaysOrder) {
  ASSERT_EQ(mount("/h", "pids,debug,freezer,cpuacct,cpuset"), 0);
  EXPECT_THAT(read("/proc/mounts"),
              HasSubstr("\nnone /h cgroup rw,relatime,cpuset,cpuacct,freezer,pids,debug 0 0\n"));
  EXPECT_EQ(read("/proc/self/cgroup"), "1:cpuset,cpuacct,freezer,pids,debug:/\n");
  EXPECT_EQ(read("/proc/self/container"), "freezer,pids,cpuacct,debug,cpuset:/\n");
}

TEST_F(SubsysOrderTest, NsIsAnUnknownSubsystem) {
  EXPECT_EQ(mount("/n", "ns"), -EINVAL);
  EXPECT_EQ(mount("/n", "cpu,ns"), -EINVAL);
  ASSERT_EQ(mount("/all", ""), 0);
  EXPECT_THAT(
      read("/proc/mounts"),
      HasSubstr("\nnone /all cgroup rw,relatime,cpuset,cpu,cpuacct,freezer,net,pids,debug 0 0\n"));
  // It stays free for the patch's flavour.
  ASSERT_EQ(mount("/n", "ns", "container"), 0);
  EXPECT_EQ(read("/proc/self/cgroup"), "2:ns:/\n1:cpuset,cpu,cpuacct,freezer,net,pids,debug:/\n");
}

}  // namespace
}  // namespace uk::testing
