// The cpuacct subsystem with simulated charging (checklist rows 107, 112).
#include "subsys/cpuacct.h"

#include <string>

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

}  // namespace
}  // namespace uk::testing
