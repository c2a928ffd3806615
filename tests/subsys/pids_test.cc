// The pids subsystem: max / current files, can_fork along the hierarchy.
#include "subsys/pids.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"

namespace uk::testing {
namespace {

class PidsTest : public SubsysTest {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    ASSERT_EQ(mount("/p", "pids"), 0);
  }
  pids_subsys& pids() {
    return *static_cast<pids_subsys*>(k().containers().subsys(pids_subsys_id));
  }
};

TEST_F(PidsTest, FilesNotOnRootMaxParsing) {
  EXPECT_EQ(sys_open(init(), "/p/max", 0), -ENOENT);
  ASSERT_EQ(mkdir("/p/a"), 0);
  EXPECT_EQ(read("/p/a/max"), "max\n");
  EXPECT_EQ(read("/p/a/current"), "0\n");
  EXPECT_EQ(write("/p/a/max", "5\n"), 2);
  EXPECT_EQ(read("/p/a/max"), "5\n");
  EXPECT_EQ(write("/p/a/max", "-1"), -EINVAL);
  EXPECT_EQ(write("/p/a/max", "5x"), -EINVAL);
  EXPECT_EQ(write("/p/a/max", "4294967296"), -EINVAL);
  EXPECT_EQ(read("/p/a/max"), "5\n");
  EXPECT_EQ(write("/p/a/max", "max"), 3);
  EXPECT_EQ(read("/p/a/max"), "max\n");
}

TEST_F(PidsTest, CurrentIsHierarchicalAndForkIsRefusedAtTheLimit) {
  ASSERT_EQ(mkdir("/p/a"), 0);
  ASSERT_EQ(mkdir("/p/a/b"), 0);
  task_struct& t1 = spawn(&init());
  task_struct& t2 = spawn(&init());
  ASSERT_GT(attach("/p/a", t1), 0);
  ASSERT_GT(attach("/p/a/b", t2), 0);
  task_struct& t3 = spawn(&t2);  // forks inherit the container
  EXPECT_EQ(read("/p/a/current"), "3\n");
  EXPECT_EQ(read("/p/a/b/current"), "2\n");
  EXPECT_EQ(pids().can_fork(&t1, {}), kOk);
  ASSERT_EQ(write("/p/a/max", "4"), 1);
  EXPECT_EQ(pids().can_fork(&t3, {}), kOk);
  // An in-flight fork in b counts in a too.
  EXPECT_EQ(pids().can_fork(&t1, {&t2}), Errno(EAGAIN));
  ASSERT_EQ(write("/p/a/max", "3"), 1);
  EXPECT_EQ(pids().can_fork(&t3, {}), Errno(EAGAIN));
  EXPECT_EQ(pids().can_fork(&init(), {}), kOk);  // the root has no limit
  // An attach is never refused, even over the limit.
  task_struct& t4 = spawn(&init());
  EXPECT_GT(attach("/p/a", t4), 0);
  EXPECT_EQ(read("/p/a/current"), "4\n");
  k().do_exit(&t3, 0);
  k().release_task(&t3);
  EXPECT_EQ(read("/p/a/current"), "3\n");
}

}  // namespace
}  // namespace uk::testing
