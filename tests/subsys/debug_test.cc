// The debug subsystem (checklist rows 110, 111, 112).
#include <algorithm>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"
#include "uk/css_group.h"

namespace uk::testing {
namespace {

using ::testing::IsSupersetOf;

class DebugTest : public SubsysTest {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    ASSERT_EQ(mount("/d", "debug,cpuset"), 0);
  }
};

TEST_F(DebugTest, Files) {
  ASSERT_EQ(mkdir("/d/a"), 0);
  EXPECT_THAT(ls(init(), "/d/a"),
              IsSupersetOf({"container_refcount", "taskcount", "current_css_group",
                            "current_css_group_refcount"}));
}

TEST_F(DebugTest, Row110_RefcountIsOnePerSubsystem) {
  make_cpuset("/d/a", "0", "0");
  EXPECT_EQ(read("/d/a/container_refcount"), "0\n");
  task_struct& t = spawn();
  ASSERT_GT(attach("/d/a", t), 0);
  EXPECT_EQ(read("/d/a/container_refcount"), "2\n");
  EXPECT_EQ(read("/d/a/taskcount"), "1\n");
}

TEST_F(DebugTest, Row111_RootTaskcountAtLeastTasksLines) {
  spawn();
  spawn();
  std::string tasks = read("/d/tasks");
  size_t lines = std::count(tasks.begin(), tasks.end(), '\n');
  EXPECT_EQ(lines, 3u);
  EXPECT_GE(std::stoul(read("/d/taskcount")), lines);
}

TEST_F(DebugTest, CurrentCssGroup) {
  uint64_t addr = std::stoull(read("/d/current_css_group"));
  EXPECT_EQ(addr, reinterpret_cast<uintptr_t>(task_css_group(&init())));
  // init plus the children sharing its group.
  spawn();
  EXPECT_GE(std::stoull(read("/d/current_css_group_refcount")), 2u);
}

TEST_F(DebugTest, Row112_WritesAreEinval) {
  for (const char* f :
       {"container_refcount", "taskcount", "current_css_group", "current_css_group_refcount"}) {
    EXPECT_EQ(write(std::string("/d/") + f, "1"), -EINVAL) << f;
  }
  EXPECT_EQ(write("/d/releasable", "1"), -EINVAL);
}

}  // namespace
}  // namespace uk::testing
