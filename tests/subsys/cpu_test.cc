// The cpu subsystem (checklist rows 108, 109, 113; row 35 deliberately differs).
#include "subsys/cpu.h"

#include <sched.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"
#include "uk/containerfs.h"
#include "vfs/dentry.h"
#include "vfs/namei.h"

namespace uk::testing {
namespace {

class CpuTest : public SubsysTest {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    ASSERT_EQ(mount("/c", "cpu"), 0);
  }
  cpu_subsys& cpu() { return *static_cast<cpu_subsys*>(k().containers().subsys(cpu_subsys_id)); }
};

TEST_F(CpuTest, Row108_SharesDefaultMinimumAndParsing) {
  ASSERT_EQ(mkdir("/c/a"), 0);
  EXPECT_EQ(read("/c/shares"), "1024\n");
  EXPECT_EQ(read("/c/a/shares"), "1024\n");
  EXPECT_EQ(write("/c/a/shares", "0"), 1);
  EXPECT_EQ(read("/c/a/shares"), "2\n");
  EXPECT_EQ(write("/c/a/shares", "1\n"), 2);
  EXPECT_EQ(read("/c/a/shares"), "2\n");
  EXPECT_EQ(write("/c/a/shares", "0x10"), 4);
  EXPECT_EQ(read("/c/a/shares"), "16\n");
  EXPECT_EQ(write("/c/a/shares", "5x"), -EINVAL);
  EXPECT_EQ(read("/c/a/shares"), "16\n");
  // No upper bound in 2.6.24.
  EXPECT_EQ(write("/c/a/shares", "1000000"), 7);
  EXPECT_EQ(read("/c/a/shares"), "1000000\n");
}

TEST_F(CpuTest, Row109_RealtimeTasksCannotMove) {
  ASSERT_EQ(mkdir("/c/a"), 0);
  task_struct& fifo = spawn();
  fifo.policy = SCHED_FIFO;
  task_struct& rr = spawn();
  rr.policy = SCHED_RR;
  task_struct& other = spawn();
  EXPECT_EQ(attach("/c/a", fifo), -EINVAL);
  EXPECT_EQ(attach("/c/a", rr), -EINVAL);
  EXPECT_GT(attach("/c/a", other), 0);
  EXPECT_EQ(read("/c/a/tasks"), std::to_string(other.pid) + "\n");
}

TEST_F(CpuTest, Row113_WriteUintEmptyAndOverlong) {
  EXPECT_EQ(write("/c/shares", ""), -EINVAL);
  EXPECT_EQ(write("/c/shares", std::string(64, '1')), -E2BIG);
  EXPECT_EQ(write("/c/shares", std::string(63, '0')), 63);
  EXPECT_EQ(read("/c/shares"), "2\n");
}

// Our scheduler is hierarchical: 2.6.24's depth >= 2 EINVAL (row 35) is not ported.
TEST_F(CpuTest, Row35_AnyDepthAllowed) {
  ASSERT_EQ(mkdir("/c/a"), 0);
  ASSERT_EQ(mkdir("/c/a/b"), 0);
  ASSERT_EQ(mkdir("/c/a/b/c"), 0);
  EXPECT_EQ(read("/c/a/b/c/shares"), "1024\n");
}

TEST_F(CpuTest, SharesOfForTheScheduler) {
  ASSERT_EQ(mkdir("/c/a"), 0);
  ASSERT_EQ(write("/c/a/shares", "300"), 3);
  task_struct& t = spawn();
  ASSERT_GT(attach("/c/a", t), 0);
  container* a = k().containers().task_container(&t, cpu_subsys_id);
  EXPECT_EQ(cpu().shares_of(a), 300u);
  EXPECT_EQ(cpu().shares_of(a->parent), 1024u);
}

TEST_F(CpuTest, ReadAfterRmdirDoesNotCrash) {
  ASSERT_EQ(mkdir("/c/a"), 0);
  long fd = sys_open(init(), "/c/a/shares", O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(sys_rmdir(init(), "/c/a"), 0);
  char buf[16];
  EXPECT_GE(sys_read(init(), fd, buf, sizeof buf), 0);
  EXPECT_EQ(sys_write(init(), fd, "5", 1), -ENODEV);
  sys_close(init(), fd);
}

}  // namespace
}  // namespace uk::testing
