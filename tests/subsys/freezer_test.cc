// The freezer subsystem: freezer.state's state machine on simulated tasks, and the
// hooks real tasks go through (a fake host here).
#include "subsys/freezer.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"

namespace uk::testing {
namespace {

// A host whose processes stop only when told to (stopped_now).
class fake_hooks final : public freezer_hooks {
 public:
  void freeze(pid_t tgid) override {
    freezes++;
    wanted.insert(tgid);
  }
  void thaw(pid_t tgid) override {
    thaws++;
    wanted.erase(tgid);
    stopped_now.erase(tgid);
  }
  bool stopped(pid_t tgid) override { return stopped_now.contains(tgid); }
  std::set<pid_t> wanted, stopped_now;
  int freezes = 0, thaws = 0;
};

class FreezerTest : public SubsysTest {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    ASSERT_EQ(mount("/f", "freezer"), 0);
  }
  void TearDown() override {
    freezer().set_hooks(nullptr);
    SubsysTest::TearDown();
  }
  freezer_subsys& freezer() {
    return *static_cast<freezer_subsys*>(k().containers().subsys(freezer_subsys_id));
  }
  // A task that mirrors a real process (only the hooks see it as one).
  task_struct& real_task() {
    task_struct& t = spawn(&init());
    t.real = true;
    return t;
  }
};

TEST_F(FreezerTest, NotOnRootAndParsing) {
  EXPECT_EQ(sys_open(init(), "/f/state", 0), -ENOENT);
  ASSERT_EQ(mkdir("/f/a"), 0);
  EXPECT_EQ(read("/f/a/state"), "THAWED\n");
  EXPECT_EQ(write("/f/a/state", "FREEZING"), -EINVAL);
  EXPECT_EQ(write("/f/a/state", "frozen"), -EINVAL);
  EXPECT_EQ(write("/f/a/state", ""), -EINVAL);
  EXPECT_EQ(write("/f/a/state", "FROZENX"), -EINVAL);
  EXPECT_EQ(write("/f/a/state", std::string(100, 'F')), -EINVAL);
  EXPECT_EQ(read("/f/a/state"), "THAWED\n");
  EXPECT_EQ(write("/f/a/state", "FROZEN\n"), 7);
  EXPECT_EQ(read("/f/a/state"), "FROZEN\n");  // no tasks: frozen at once
  EXPECT_EQ(write("/f/a/state", "THAWED"), 6);
  EXPECT_EQ(read("/f/a/state"), "THAWED\n");
}

// freezer_write() compares strstrip(buf) of the NUL-terminated copy: the kernel's
// isspace (0xa0 too) and an embedded NUL end the word.
TEST_F(FreezerTest, StateIsTheStrippedCString) {
  ASSERT_EQ(mkdir("/f/a"), 0);
  EXPECT_EQ(write("/f/a/state",
                  "\xa0"
                  "FROZEN\v"),
            8);
  EXPECT_EQ(read("/f/a/state"), "FROZEN\n");
  EXPECT_EQ(write("/f/a/state", std::string("THAWED\0junk", 11)), 11);
  EXPECT_EQ(read("/f/a/state"), "THAWED\n");
}

TEST_F(FreezerTest, FreezesTheSubtreeAndThaws) {
  ASSERT_EQ(mkdir("/f/a"), 0);
  ASSERT_EQ(mkdir("/f/a/b"), 0);
  ASSERT_EQ(mkdir("/f/c"), 0);
  task_struct& t1 = spawn();
  task_struct& t2 = spawn();
  task_struct& t3 = spawn();
  ASSERT_GT(attach("/f/a", t1), 0);
  ASSERT_GT(attach("/f/a/b", t2), 0);
  ASSERT_GT(attach("/f/c", t3), 0);
  ASSERT_EQ(write("/f/a/state", "FROZEN"), 6);
  EXPECT_EQ(read("/f/a/state"), "FROZEN\n");
  EXPECT_EQ(read("/f/a/b/state"), "FROZEN\n");  // frozen by its parent
  EXPECT_EQ(read("/f/c/state"), "THAWED\n");
  EXPECT_TRUE(freezer().is_frozen(t1.pid));
  EXPECT_TRUE(freezer().is_frozen(t2.pid));
  EXPECT_FALSE(freezer().is_frozen(t3.pid));
  // Thawing the child does not undo its parent's freeze.
  ASSERT_EQ(write("/f/a/b/state", "THAWED"), 6);
  EXPECT_TRUE(freezer().is_frozen(t2.pid));
  EXPECT_EQ(read("/f/a/b/state"), "FROZEN\n");
  ASSERT_EQ(write("/f/a/state", "THAWED"), 6);
  EXPECT_FALSE(freezer().is_frozen(t1.pid));
  EXPECT_FALSE(freezer().is_frozen(t2.pid));
  EXPECT_EQ(read("/f/a/state"), "THAWED\n");
  EXPECT_EQ(read("/f/a/b/state"), "THAWED\n");
  // A child frozen on its own stays frozen when its parent thaws.
  ASSERT_EQ(write("/f/a/b/state", "FROZEN"), 6);
  ASSERT_EQ(write("/f/a/state", "FROZEN"), 6);
  ASSERT_EQ(write("/f/a/state", "THAWED"), 6);
  EXPECT_FALSE(freezer().is_frozen(t1.pid));
  EXPECT_TRUE(freezer().is_frozen(t2.pid));
}

TEST_F(FreezerTest, ForksAndAttachesFollowTheContainer) {
  ASSERT_EQ(mkdir("/f/a"), 0);
  ASSERT_EQ(mkdir("/f/b"), 0);
  task_struct& t1 = spawn();
  ASSERT_GT(attach("/f/a", t1), 0);
  ASSERT_EQ(write("/f/a/state", "FROZEN"), 6);
  task_struct& child = spawn(&t1);  // forked in a frozen container: starts frozen
  EXPECT_TRUE(freezer().is_frozen(child.pid));
  task_struct& t2 = spawn();
  EXPECT_FALSE(freezer().is_frozen(t2.pid));
  ASSERT_GT(attach("/f/a", t2), 0);  // attached into it: frozen
  EXPECT_TRUE(freezer().is_frozen(t2.pid));
  ASSERT_GT(attach("/f/b", t2), 0);  // out of it: thawed
  EXPECT_FALSE(freezer().is_frozen(t2.pid));
  pid_t child_pid = child.pid;
  k().do_exit(&child, 0);
  k().release_task(&child);
  EXPECT_FALSE(freezer().is_frozen(child_pid));
  EXPECT_EQ(read("/f/a/state"), "FROZEN\n");
}

TEST_F(FreezerTest, RealTasksReadFreezingUntilStopped) {
  fake_hooks host;
  freezer().set_hooks(&host);
  ASSERT_EQ(mkdir("/f/a"), 0);
  task_struct& p = real_task();
  task_struct& q = real_task();
  ASSERT_GT(attach("/f/a", p), 0);
  ASSERT_GT(attach("/f/a", q), 0);
  ASSERT_EQ(write("/f/a/state", "FROZEN"), 6);
  EXPECT_EQ(host.wanted, (std::set<pid_t>{p.tgid, q.tgid}));
  EXPECT_TRUE(freezer().is_frozen_tgid(p.tgid));
  EXPECT_EQ(read("/f/a/state"), "FREEZING\n");
  host.stopped_now.insert(p.tgid);
  EXPECT_EQ(read("/f/a/state"), "FREEZING\n");
  int before = host.freezes;
  host.stopped_now.insert(q.tgid);
  EXPECT_EQ(read("/f/a/state"), "FROZEN\n");
  EXPECT_EQ(host.freezes, before);  // nothing left to retry
  // Resumed behind our back: FREEZING again, and stopped again.
  host.stopped_now.erase(q.tgid);
  EXPECT_EQ(read("/f/a/state"), "FREEZING\n");
  EXPECT_GT(host.freezes, before);
  ASSERT_EQ(write("/f/a/state", "THAWED"), 6);
  EXPECT_TRUE(host.wanted.empty());
  EXPECT_EQ(host.thaws, 2);
  EXPECT_FALSE(freezer().is_frozen_tgid(p.tgid));
}

TEST_F(FreezerTest, AProcessIsResumedWithItsLastFrozenThread) {
  fake_hooks host;
  freezer().set_hooks(&host);
  ASSERT_EQ(mkdir("/f/a"), 0);
  task_struct& leader = real_task();
  task_struct& thread = spawn(&leader, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND);
  thread.real = true;
  ASSERT_GT(attach("/f/a", leader), 0);
  ASSERT_GT(attach("/f/a", thread), 0);
  ASSERT_EQ(write("/f/a/state", "FROZEN"), 6);
  EXPECT_EQ(host.freezes, 1);  // one SIGSTOP per process
  ASSERT_GT(attach("/f", thread), 0);
  EXPECT_EQ(host.thaws, 0);  // the leader is still frozen
  EXPECT_TRUE(freezer().is_frozen_tgid(leader.tgid));
  ASSERT_EQ(write("/f/a/state", "THAWED"), 6);
  EXPECT_EQ(host.thaws, 1);
  EXPECT_FALSE(freezer().is_frozen_tgid(leader.tgid));
}

}  // namespace
}  // namespace uk::testing
