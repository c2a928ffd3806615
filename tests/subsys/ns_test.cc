// The ns subsystem and container_clone (checklist rows 79-85, and 34 for create).
#include <sched.h>
#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"
#include "vfs/vfs_task.h"

namespace uk::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class NsTest : public SubsysTest {
 protected:
  // unshare(CLONE_NEWUTS) as `t`.
  Errno unshare(task_struct& t) {
    current_scope s(t);
    return k().sys_unshare(&t, CLONE_NEWUTS);
  }
  // clone(CLONE_NEWUTS) by `parent`.
  ErrorOr<task_struct*> clone(task_struct& parent) {
    current_scope s(parent);
    return k().do_fork(&parent, CLONE_NEWUTS);
  }
  std::string node(const task_struct& t) { return "node_" + std::to_string(t.pid); }
};

TEST_F(NsTest, Row79_UnshareMakesNodeAndMovesCaller) {
  ASSERT_EQ(mount("/ns", "ns"), 0);
  task_struct& t = spawn();
  ASSERT_TRUE(unshare(t).ok());
  EXPECT_EQ(read("/ns/" + node(t) + "/tasks"), std::to_string(t.pid) + "\n");
  // Nested: the next node goes under the caller's container.
  ASSERT_EQ(sys_rmdir(init(), ("/ns/" + node(t)).c_str()), -EBUSY);
  task_struct& c = spawn(&t);
  ASSERT_TRUE(unshare(c).ok());
  EXPECT_EQ(read("/ns/" + node(t) + "/" + node(c) + "/tasks"), std::to_string(c.pid) + "\n");
}

TEST_F(NsTest, Row80_CloneNodeIsNamedAfterTheParent) {
  ASSERT_EQ(mount("/ns", "ns"), 0);
  task_struct& p = spawn();
  auto child = clone(p);
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(read("/ns/" + node(p) + "/tasks"), std::to_string(child.value()->pid) + "\n");
  EXPECT_THAT(read("/ns/tasks"), HasSubstr(std::to_string(p.pid) + "\n"));
}

TEST_F(NsTest, Row81_SecondCloneWhileNodeExistsIsEexist) {
  ASSERT_EQ(mount("/ns", "ns"), 0);
  task_struct& p = spawn();
  ASSERT_TRUE(clone(p).ok());
  auto again = clone(p);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), Errno(EEXIST));
}

TEST_F(NsTest, Row82_UnboundNsCreatesNothing) {
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  task_struct& t = spawn();
  EXPECT_TRUE(unshare(t).ok());
  EXPECT_TRUE(clone(t).ok());
  EXPECT_THAT(read("/proc/containers"), HasSubstr("ns\t0\t1\n"));
}

TEST_F(NsTest, Row83_ExclusiveSiblingMakesCloneFailEnospc) {
  ASSERT_EQ(mount("/m", "cpuset,ns"), 0);
  make_cpuset("/m/x", "0", "0");
  ASSERT_EQ(write("/m/x/cpu_exclusive", "1"), 1);
  task_struct& t = spawn();
  EXPECT_EQ(unshare(t), Errno(ENOSPC));
  // The empty node stays behind.
  EXPECT_THAT(ls(init(), "/m"), Contains(node(t)));
  EXPECT_EQ(read("/m/" + node(t) + "/cpus"), "\n");
  EXPECT_EQ(read("/m/" + node(t) + "/tasks"), "");
  EXPECT_EQ(unshare(t), Errno(EEXIST));
}

TEST_F(NsTest, Row84_NodeCopiesParentsSets) {
  ASSERT_EQ(mount("/m", "cpuset,ns"), 0);
  task_struct& t = spawn();
  ASSERT_TRUE(unshare(t).ok());
  EXPECT_EQ(read("/m/" + node(t) + "/cpus"), "0-3\n");
  EXPECT_EQ(read("/m/" + node(t) + "/mems"), "0-1\n");
  EXPECT_EQ(read("/m/" + node(t) + "/tasks"), std::to_string(t.pid) + "\n");
}

TEST_F(NsTest, Row85_AttachRules) {
  ASSERT_EQ(mount("/ns", "ns"), 0);
  ASSERT_EQ(mkdir("/ns/a"), 0);
  ASSERT_EQ(mkdir("/ns/a/b"), 0);
  task_struct& t1 = spawn();
  task_struct& t2 = spawn();
  // Not a child of the task's container.
  EXPECT_EQ(attach("/ns/a/b", t1), -EPERM);
  // Into an empty child: fine; a non-empty one: EPERM.
  EXPECT_GT(attach("/ns/a", t1), 0);
  EXPECT_EQ(attach("/ns/a", t2), -EPERM);
  // Moving oneself back up to the parent.
  EXPECT_EQ(write_file(t1, "/ns/tasks", "0"), -EPERM);
  EXPECT_EQ(read("/ns/a/tasks"), std::to_string(t1.pid) + "\n");
  // One level down into an empty child, as the task itself.
  EXPECT_EQ(write_file(t1, "/ns/a/b/tasks", "0"), 1);
}

TEST_F(NsTest, Row34_CreateNeedsCapability) {
  ASSERT_EQ(mount("/ns", "ns"), 0);
  ASSERT_EQ(sys_chmod(init(), "/ns", 0777), 0);
  task_struct& user = spawn();
  user.uid = user.euid = user.suid = user.fsuid = 1000;
  EXPECT_EQ(sys_mkdir(user, "/ns/x", 0755), -EPERM);
  EXPECT_THAT(ls(init(), "/ns"), Not(Contains("x")));
  EXPECT_EQ(sys_mkdir(init(), "/ns/x", 0755), 0);
}

TEST_F(NsTest, CreateOutsideCallersSubtreeIsEperm) {
  ASSERT_EQ(mount("/ns", "ns"), 0);
  ASSERT_EQ(mkdir("/ns/a"), 0);
  ASSERT_EQ(mkdir("/ns/b"), 0);
  task_struct& t = spawn();
  ASSERT_GT(attach("/ns/a", t), 0);
  EXPECT_EQ(sys_mkdir(t, "/ns/b/x", 0755), -EPERM);
  EXPECT_EQ(sys_mkdir(t, "/ns/a/x", 0755), 0);
}

}  // namespace
}  // namespace uk::testing
