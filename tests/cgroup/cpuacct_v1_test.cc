// The cgroup flavour's cpuacct.usage (today's kernel/sched/cpuacct.c): hierarchical, as
// cpuacct_charge adds to the group and every ancestor (Linux 2.6.29+), and reset by a
// write of 0 (not the root's); the patch's usage counts the group's own tasks only.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "subsys/cpuacct.h"
#include "tests/cgroup/v1_kernel.h"
#include "tests/util/file_helpers.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

namespace uk::testing {
namespace {

class CpuacctV1Test : public V1KernelTest {
 protected:
  cpuacct_subsys& cpuacct() {
    return *static_cast<cpuacct_subsys*>(k_->containers().subsys(cpuacct_subsys_id));
  }
  // A task in `group` that has run `ns`.
  task_struct& ran(const std::string& group, uint64_t ns) {
    task_struct& t = spawn(init());
    move(t, group);
    cpuacct().charge(&t, ns);
    return t;
  }
  std::string usage(const std::string& group, const char* name) {
    return read_file(init(), group + "/" + name);
  }
};

TEST_F(CpuacctV1Test, TodaysUsageIsHierarchicalAndResets) {
  ASSERT_EQ(sys_mkdir(init(), "/c", 0755), 0);
  ASSERT_EQ(sys_mount(init(), "none", "/c", "cgroup", 0, "cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a/b", 0755), 0);
  ran("/c/a", 100);
  task_struct& t = ran("/c/a/b", 20);
  EXPECT_EQ(usage("/c/a/b", "cpuacct.usage"), "20\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "120\n");
  EXPECT_EQ(usage("/c", "cpuacct.usage"), "120\n");
  EXPECT_EQ(write_file(init(), "/c/a/cpuacct.usage", "1"), -EINVAL);
  EXPECT_EQ(write_file(init(), "/c/a/cpuacct.usage", "0"), 1);
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "0\n");
  EXPECT_EQ(usage("/c/a/b", "cpuacct.usage"), "20\n");  // only the group written
  EXPECT_EQ(write_file(init(), "/c/cpuacct.usage", "0"), 1);
  EXPECT_EQ(usage("/c", "cpuacct.usage"), "120\n");  // the root's is kept
  // A removed child's time stays with its ancestors.
  cpuacct().charge(&t, 5);
  std::string pid = std::to_string(t.pid);
  ASSERT_EQ(write_file(init(), "/c/tasks", pid), static_cast<long>(pid.size()));
  ASSERT_EQ(sys_rmdir(init(), "/c/a/b"), 0);
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "5\n");
  EXPECT_EQ(usage("/c", "cpuacct.usage"), "125\n");
}

TEST_F(CpuacctV1Test, ThePatchsUsageIsTheGroupsOwn) {
  ASSERT_EQ(sys_mkdir(init(), "/v", 0755), 0);
  ASSERT_EQ(sys_mount(init(), "none", "/v", "container", 0, "cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a/b", 0755), 0);
  ran("/v/a", 100);
  ran("/v/a/b", 20);
  EXPECT_EQ(usage("/v/a", "usage"), "100\n");
  EXPECT_EQ(usage("/v/a/b", "usage"), "20\n");
  EXPECT_EQ(write_file(init(), "/v/a/usage", "0"), -EINVAL);
}

}  // namespace
}  // namespace uk::testing
