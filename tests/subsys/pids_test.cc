// The pids subsystem: max / current files, can_fork along the hierarchy, and the
// kernel's own do_fork refusing simulated forks over pids.max (EAGAIN).
#include "subsys/pids.h"

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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
  // mkdir /p/a /p/a/b, and a task in each.
  std::pair<task_struct*, task_struct*> a_and_b() {
    EXPECT_EQ(mkdir("/p/a"), 0);
    EXPECT_EQ(mkdir("/p/a/b"), 0);
    task_struct& in_a = spawn(&init());
    task_struct& in_b = spawn(&init());
    EXPECT_GT(attach("/p/a", in_a), 0);
    EXPECT_GT(attach("/p/a/b", in_b), 0);
    return {&in_a, &in_b};
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

// pids_max_write() parses with kstrtoll(strstrip(buf), 0): the base is detected, the
// overflow is ERANGE, white space around the number is dropped.
TEST_F(PidsTest, MaxIsKstrtollOfTheStrippedBuffer) {
  ASSERT_EQ(mkdir("/p/a"), 0);
  EXPECT_EQ(write("/p/a/max", "0x10"), 4);
  EXPECT_EQ(read("/p/a/max"), "16\n");
  EXPECT_EQ(write("/p/a/max", " 010\t\n"), 6);
  EXPECT_EQ(read("/p/a/max"), "8\n");
  EXPECT_EQ(write("/p/a/max", "+3"), 2);
  EXPECT_EQ(read("/p/a/max"), "3\n");
  EXPECT_EQ(write("/p/a/max", "99999999999999999999"), -ERANGE);
  EXPECT_EQ(write("/p/a/max", "08"), -EINVAL);
  EXPECT_EQ(write("/p/a/max", " max\n"), 5);
  EXPECT_EQ(read("/p/a/max"), "max\n");
}

TEST_F(PidsTest, CurrentIsHierarchicalAndForkIsRefusedAtTheLimit) {
  auto [p1, p2] = a_and_b();
  task_struct& t1 = *p1;
  task_struct& t2 = *p2;
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

// A simulated fork through the kernel's do_fork, as a test's spawn() but returning
// the errno.
Errno fork_errno(kernel& k, task_struct& parent, unsigned long flags = 0) {
  auto t = k.do_fork(&parent, flags);
  return t.ok() ? kOk : t.error();
}

struct DoForkRow {
  const char* name;
  const char* a_max;   // /p/a (holds b and c)
  const char* b_max;   // /p/a/b
  int in_b;            // tasks put in b first
  int in_c;            // tasks put in c (a's other child) first
  const char* forker;  // "b", "c" or "root"
  int expect;          // 0 or EAGAIN
};

class PidsDoForkTest : public PidsTest, public ::testing::WithParamInterface<DoForkRow> {};

// The hierarchy rule: a limit counts every task below it, so a fork anywhere under
// a full container is refused, one beside it is not.
TEST_P(PidsDoForkTest, RefusedOverAnyLimitAboveTheForker) {
  const DoForkRow& r = GetParam();
  ASSERT_EQ(mkdir("/p/a"), 0);
  ASSERT_EQ(mkdir("/p/a/b"), 0);
  ASSERT_EQ(mkdir("/p/a/c"), 0);
  std::vector<task_struct*> b, c;
  for (int i = 0; i < r.in_b; i++) {
    b.push_back(&spawn());
    ASSERT_GT(attach("/p/a/b", *b.back()), 0);
  }
  for (int i = 0; i < r.in_c; i++) {
    c.push_back(&spawn());
    ASSERT_GT(attach("/p/a/c", *c.back()), 0);
  }
  ASSERT_GT(write("/p/a/max", r.a_max), 0);
  ASSERT_GT(write("/p/a/b/max", r.b_max), 0);
  std::string forker = r.forker;
  task_struct& parent = forker == "b" ? *b.at(0) : forker == "c" ? *c.at(0) : init();
  std::string a_before = read("/p/a/current");
  size_t tasks = k().nr_tasks();
  EXPECT_EQ(fork_errno(k(), parent), r.expect == 0 ? kOk : Errno(r.expect));
  if (r.expect != 0) {
    EXPECT_EQ(k().nr_tasks(), tasks);
    EXPECT_EQ(read("/p/a/current"), a_before);
  } else {
    EXPECT_EQ(k().nr_tasks(), tasks + 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, PidsDoForkTest,
    ::testing::Values(DoForkRow{"UnderBothLimits", "5", "3", 2, 1, "b", 0},
                      DoForkRow{"AtBsLimit", "max", "2", 2, 0, "b", EAGAIN},
                      DoForkRow{"BsLimitDoesNotStopC", "max", "2", 2, 1, "c", 0},
                      DoForkRow{"AFullOfBsAndCsTasksStopsB", "3", "max", 2, 1, "b", EAGAIN},
                      DoForkRow{"AFullStopsCToo", "3", "max", 2, 1, "c", EAGAIN},
                      DoForkRow{"RootHasNoLimit", "1", "1", 1, 0, "root", 0},
                      DoForkRow{"ZeroRefusesEveryFork", "max", "0", 1, 0, "b", EAGAIN},
                      DoForkRow{"ExactlyOneLeft", "4", "max", 2, 1, "c", 0}),
    [](const ::testing::TestParamInfo<DoForkRow>& info) { return info.param.name; });

// A zombie stays charged where it exited until it is reaped (pids_release() at
// release_task): in current, against max, and, once its group is removed (rmdir sees no
// task), in that group's parent. A rebind drops the charges with the hierarchy.
TEST_F(PidsTest, AZombieCountsUntilItIsReaped) {
  auto [p1, p2] = a_and_b();
  task_struct& t1 = *p1;
  task_struct& t2 = *p2;
  k().do_exit(&t2, 0);
  EXPECT_EQ(read("/p/a/b/tasks"), "");
  EXPECT_EQ(read("/p/a/b/current"), "1\n");
  EXPECT_EQ(read("/p/a/current"), "2\n");
  ASSERT_EQ(write("/p/a/max", "2"), 1);
  EXPECT_EQ(pids().can_fork(&t1, {}), Errno(EAGAIN));
  ASSERT_EQ(sys_rmdir(init(), "/p/a/b"), 0);
  EXPECT_EQ(read("/p/a/current"), "2\n");
  k().release_task(&t2);
  EXPECT_EQ(read("/p/a/current"), "1\n");
  EXPECT_EQ(pids().can_fork(&t1, {}), kOk);
  k().do_exit(&t1, 0);
  EXPECT_EQ(read("/p/a/current"), "1\n");
  ASSERT_EQ(sys_umount(init(), "/p", 0), 0);
  ASSERT_EQ(mount("/p", "pids"), 0);
  ASSERT_EQ(mkdir("/p/c"), 0);
  EXPECT_EQ(read("/p/c/current"), "0\n");
  k().release_task(&t1);
}

// A refused fork leaves no task, no pid in tasks and no count; a successful one
// leaves no reservation (the slot of an exited task is usable again); threads count.
TEST_F(PidsTest, RefusedForkLeavesNothingBehind) {
  ASSERT_EQ(mkdir("/p/a"), 0);
  task_struct& t = spawn();
  ASSERT_GT(attach("/p/a", t), 0);
  ASSERT_EQ(write("/p/a/max", "3"), 1);
  task_struct& child = spawn(&t);
  task_struct& thread = spawn(&t, CLONE_THREAD);
  EXPECT_EQ(thread.tgid, t.tgid);
  EXPECT_EQ(read("/p/a/current"), "3\n");
  size_t tasks = k().nr_tasks();
  std::string listed = read("/p/a/tasks");
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(fork_errno(k(), t), Errno(EAGAIN));
    EXPECT_EQ(fork_errno(k(), child, CLONE_THREAD), Errno(EAGAIN));
  }
  EXPECT_EQ(k().nr_tasks(), tasks);
  EXPECT_EQ(read("/p/a/tasks"), listed);
  EXPECT_EQ(read("/p/a/current"), "3\n");
  // Nothing reserved by the refusals nor by the successful forks: one exit frees
  // exactly one slot.
  k().do_exit(&child, 0);
  k().release_task(&child);
  EXPECT_EQ(read("/p/a/current"), "2\n");
  EXPECT_EQ(fork_errno(k(), t), kOk);
  EXPECT_EQ(fork_errno(k(), t), Errno(EAGAIN));
  ASSERT_EQ(write("/p/a/max", "max"), 3);
  EXPECT_EQ(fork_errno(k(), t), kOk);
  EXPECT_EQ(read("/p/a/current"), "4\n");
}

// pids unmounted: nothing is limited (and nothing reserved).
TEST(PidsUnboundTest, ForksAreNotLimited) {
  kernel_config cfg;
  cfg.topo = topology(cpus("0"), nodes("0"));
  kernel k(default_subsys_registry(), cfg);
  std::vector<task_struct*> made;
  for (int i = 0; i < 50; i++) {
    auto t = k.do_fork(k.init_task(), 0);
    ASSERT_TRUE(t.ok());
    made.push_back(t.value());
  }
  EXPECT_EQ(k.nr_tasks(), 51u);
  for (task_struct* t : made) k.release_task(t);
}

// Concurrent forks into one limited container never overshoot: each admitted child
// is reserved until it counts itself.
TEST_F(PidsTest, ConcurrentForksNeverExceedTheLimit) {
  ASSERT_EQ(mkdir("/p/a"), 0);
  task_struct& t = spawn();
  ASSERT_GT(attach("/p/a", t), 0);
  ASSERT_EQ(write("/p/a/max", "20"), 2);
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; i++) {
    threads.emplace_back([&] {
      for (int j = 0; j < 25; j++) {
        Errno e = fork_errno(k(), t);
        (e.ok() ? ok : refused)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 19);
  EXPECT_EQ(refused.load(), 81);
  EXPECT_EQ(read("/p/a/current"), "20\n");
}

}  // namespace
}  // namespace uk::testing
