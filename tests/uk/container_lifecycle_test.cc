// The container core through the syscall API, the checklist rows of
// shared/spec/containers-spec.md section 6 that follow a task's life (notify_on_release
// and the release agent, /proc, fork and exit) and the generic file rows, one test per
// row; container_test.cc has the rows from mount to the tasks file. Subsystems here are
// the recording ones (tests/uk/recording_subsys.h), named like the real ones.
#include <sched.h>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/uk/kernel_fixture.h"

namespace uk::testing {
namespace {

using ::testing::ElementsAre;

using ContainerTest = KernelTest;

// --- notify_on_release, release_agent ---

TEST_F(ContainerTest, Row61_62_63_NotifyOnRelease) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(read_file(init(), "/a/notify_on_release"), "0\n");
  EXPECT_EQ(read_file(init(), "/a/c/notify_on_release"), "0\n");
  const std::pair<const char*, const char*> cases[] = {
      {"1", "1\n"}, {"7", "1\n"}, {"foo", "0\n"}, {"0", "0\n"}};
  for (auto [in, out] : cases) {
    EXPECT_EQ(write_file(init(), "/a/c/notify_on_release", in), static_cast<long>(strlen(in)));
    EXPECT_EQ(read_file(init(), "/a/c/notify_on_release"), out) << in;
  }
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  ASSERT_GT(write_file(init(), "/a/tasks", std::to_string(t.pid)), 0);
  ASSERT_EQ(read_file(init(), "/a/c/releasable"), "1\n");
  ASSERT_EQ(write_file(init(), "/a/c/notify_on_release", "0"), 1);
  EXPECT_EQ(read_file(init(), "/a/c/releasable"), "0\n");
}

TEST_F(ContainerTest, Row64_65_ReleaseAgentFile) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(read_file(init(), "/a/release_agent"), "\n");
  EXPECT_EQ(write_file(init(), "/a/release_agent", "/sbin/agent\n"), 12);
  EXPECT_EQ(read_file(init(), "/a/release_agent"), "/sbin/agent\n");
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(read_file(init(), "/a/c/release_agent"), "ERR:" + std::to_string(ENOENT));
  EXPECT_EQ(write_file(init(), "/a/release_agent", std::string(4096, 'x')), -E2BIG);
}

// --- release ---

TEST_F(ContainerTest, Row66_AgentRunsWhenLastTaskExits) {
  ASSERT_EQ(mount("/a", "cpuset,release_agent=/sbin/agent"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  ASSERT_EQ(write_file(init(), "/a/c/notify_on_release", "1"), 1);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  EXPECT_TRUE(agent_calls().empty());
  k().do_exit(&t, 0);
  auto calls = agent_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_THAT(calls[0].argv, ElementsAre("/sbin/agent", "/c"));
  EXPECT_THAT(calls[0].envp, ElementsAre("HOME=/", "PATH=/sbin:/bin:/usr/sbin:/usr/bin"));
}

TEST_F(ContainerTest, Row66_AgentRunsWhenLastTaskMovesAway) {
  ASSERT_EQ(mount("/a", "cpuset,release_agent=/sbin/agent"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  ASSERT_EQ(write_file(init(), "/a/c/notify_on_release", "1"), 1);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  ASSERT_GT(write_file(init(), "/a/tasks", std::to_string(t.pid)), 0);
  auto calls = agent_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_THAT(calls[0].argv, ElementsAre("/sbin/agent", "/c"));
}

TEST_F(ContainerTest, Row67_RmdirOfLastChildReleasesParent) {
  ASSERT_EQ(mount("/a", "cpuset,release_agent=/agent"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/p", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/p/c", 0755), 0);
  ASSERT_EQ(write_file(init(), "/a/p/notify_on_release", "1"), 1);
  ASSERT_EQ(sys_rmdir(init(), "/a/p/c"), 0);
  auto calls = agent_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_THAT(calls[0].argv, ElementsAre("/agent", "/p"));
}

TEST_F(ContainerTest, Row68_NeverUsedIsNeverReleased) {
  ASSERT_EQ(mount("/a", "cpuset,release_agent=/agent"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  ASSERT_EQ(write_file(init(), "/a/c/notify_on_release", "1"), 1);
  EXPECT_TRUE(agent_calls().empty());
}

TEST_F(ContainerTest, Row69_RemovedBeforeWorkRunsIsNotReported) {
  ASSERT_EQ(mount("/a", "cpuset,release_agent=/agent"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  ASSERT_EQ(write_file(init(), "/a/c/notify_on_release", "1"), 1);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  // Keep the work queue busy so the release work cannot run before the rmdir.
  absl::Notification release_worker;
  k().schedule_work([&release_worker] { release_worker.WaitForNotification(); });
  auto unblock = absl::MakeCleanup([&release_worker] {
    if (!release_worker.HasBeenNotified()) release_worker.Notify();
  });
  ASSERT_GT(write_file(init(), "/a/tasks", std::to_string(t.pid)), 0);
  ASSERT_FALSE(k().containers().release_list_empty());
  ASSERT_EQ(sys_rmdir(init(), "/a/c"), 0);
  EXPECT_TRUE(k().containers().release_list_empty());
  std::move(unblock).Invoke();
  EXPECT_TRUE(agent_calls().empty());
}

TEST_F(ContainerTest, Row70_NestedPath) {
  ASSERT_EQ(mount("/a", "cpuset,release_agent=/agent"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x/y", 0755), 0);
  ASSERT_EQ(write_file(init(), "/a/x/y/notify_on_release", "1"), 1);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(init(), "/a/x/y/tasks", std::to_string(t.pid)), 0);
  k().do_exit(&t, 0);
  auto calls = agent_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_THAT(calls[0].argv, ElementsAre("/agent", "/x/y"));
}

// --- proc ---

TEST_F(ContainerTest, Row71_72_ProcSelfContainer) {
  EXPECT_EQ(read_file(init(), "/proc/self/container"), "");
  ASSERT_EQ(mount("/h1", "cpuset,cpuacct"), 0);
  ASSERT_EQ(mount("/h2", "debug"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/h1/c", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(t, "/h1/c/tasks", "0"), 0);
  EXPECT_EQ(read_file(t, "/proc/self/container"), "debug:/\ncpuacct,cpuset:/c\n");
  EXPECT_EQ(read_file(init(), "/proc/" + std::to_string(t.pid) + "/container"),
            "debug:/\ncpuacct,cpuset:/c\n");
  EXPECT_EQ(read_file(init(), "/proc/" + std::to_string(t.pid) + "/task/" + std::to_string(t.pid) +
                                  "/container"),
            "debug:/\ncpuacct,cpuset:/c\n");
}

TEST_F(ContainerTest, Row73_74_ProcContainers) {
  EXPECT_EQ(read_file(init(), "/proc/containers"),
            "#subsys_name\thierarchy\tnum_containers\ncpuset\t0\t1\ndebug\t0\t1\nns\t0\t1\n"
            "cpu\t0\t1\ncpuacct\t0\t1\npids\t0\t1\nfreezer\t0\t1\nnet\t0\t1\n");
  ASSERT_EQ(mount("/a", "cpuset,cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(read_file(init(), "/proc/containers"),
            "#subsys_name\thierarchy\tnum_containers\ncpuset\t17\t2\ndebug\t0\t1\nns\t0\t1\n"
            "cpu\t0\t1\ncpuacct\t17\t2\npids\t0\t1\nfreezer\t0\t1\nnet\t0\t1\n");
}

TEST_F(ContainerTest, Row75_ProcCpusetUnbound) {
  EXPECT_EQ(read_file(init(), "/proc/self/cpuset"), "/\n");
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(t, "/a/c/tasks", "0"), 0);
  EXPECT_EQ(read_file(t, "/proc/self/cpuset"), "/c\n");
}

TEST_F(ContainerTest, ProcOfGoneTask) {
  task_struct& t = spawn(init());
  std::string path = "/proc/" + std::to_string(t.pid) + "/container";
  long fd = sys_open(init(), path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  sys_close(init(), fd);
  k().release_task(&t);
  EXPECT_EQ(read_file(init(), path), "ERR:" + std::to_string(ENOENT));
}

// --- fork / exit ---

TEST_F(ContainerTest, Row76_ChildInheritsEveryHierarchy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(mount("/b", "debug"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/b/y", 0755), 0);
  task_struct& p = spawn(init());
  ASSERT_GT(write_file(p, "/a/x/tasks", "0"), 0);
  ASSERT_GT(write_file(p, "/b/y/tasks", "0"), 0);
  task_struct& c = spawn(p);
  EXPECT_EQ(read_file(c, "/proc/self/container"), "debug:/y\ncpuset:/x\n");
  EXPECT_EQ(read_file(init(), "/a/x/tasks"), pids_text({p.pid, c.pid}));
}

TEST_F(ContainerTest, Row77_ForkHookRunsUnmounted) {
  boot(true, true);
  task_struct& t = spawn(init());
  std::string p = std::to_string(t.pid);
  EXPECT_THAT(
      recording_log().take(),
      ElementsAre("cpuset.fork " + p, "debug.fork " + p, "ns.fork " + p, "cpu.fork " + p,
                  "cpuacct.fork " + p, "pids.fork " + p, "freezer.fork " + p, "net.fork " + p));
  k().do_exit(&t, 0);
  EXPECT_THAT(
      recording_log().take(),
      ElementsAre("cpuset.exit " + p, "debug.exit " + p, "ns.exit " + p, "cpu.exit " + p,
                  "cpuacct.exit " + p, "pids.exit " + p, "freezer.exit " + p, "net.exit " + p));
}

// The fork path of Linux 4.3's copy_process on the patch's hooks: can_fork of every
// subsystem (cgroup_can_fork), the fork hooks before the child is visible, then
// post_fork once it is in its group's task list.
TEST_F(ContainerTest, ForkPathCanForkThenForkThenPostFork) {
  boot(true, false, true);
  task_struct& t = spawn(init());
  std::string p = std::to_string(t.pid);
  std::vector<std::string> want;
  for (const char* hook : {".can_fork ", ".fork ", ".post_fork "}) {
    for (const char* n : container_subsys_names) want.push_back(n + std::string(hook) + p);
  }
  EXPECT_EQ(recording_log().take(), want);
  EXPECT_EQ(k().containers().task_container(&t, cpu_subsys_id)->root, k().containers().rootnode());
}

// A refusal: the subsystems before it are cancelled in reverse order, no fork hook
// runs, do_fork returns the errno and no task is left; the next fork works.
TEST_F(ContainerTest, ForkRefusedByCanForkCancelsTheEarlierOnesAndLeavesNoTask) {
  boot(true, true, true);
  ASSERT_EQ(mount("/a", "cpu"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  task_struct& parent = spawn(init());
  ASSERT_GT(write_file(parent, "/a/x/tasks", "0"), 0);
  size_t tasks = k().nr_tasks();
  recording_log().take();
  ss(cpu_subsys_id).fail_can_fork = EAGAIN;
  auto refused = k().do_fork(&parent, 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), Errno(EAGAIN));
  std::string c = std::to_string(parent.pid + 1);  // the pid it had been given
  EXPECT_THAT(recording_log().take(),
              ElementsAre("cpuset.can_fork " + c, "debug.can_fork " + c, "ns.can_fork " + c,
                          "cpu.can_fork-fail " + c, "ns.cancel_fork " + c, "debug.cancel_fork " + c,
                          "cpuset.cancel_fork " + c));
  EXPECT_EQ(k().nr_tasks(), tasks);
  EXPECT_EQ(k().find_task_by_pid(parent.pid + 1), nullptr);
  EXPECT_EQ(read_file(init(), "/a/x/tasks"), pids_text({parent.pid}));
  ss(cpu_subsys_id).fail_can_fork = 0;
  task_struct& child = spawn(parent);
  EXPECT_EQ(read_file(init(), "/a/x/tasks"), pids_text({parent.pid, child.pid}));
}

TEST_F(ContainerTest, Row78_ZombieIsInEveryRoot) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(t, "/a/c/tasks", "0"), 0);
  container* c = k().containers().task_container(&t, cpuset_subsys_id);
  EXPECT_EQ(c->count.load(), 1);
  k().do_exit(&t, 0);
  EXPECT_EQ(k().containers().proc_container_show(&t), "cpuset:/\n");
  EXPECT_EQ(c->count.load(), 0);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), "");
  EXPECT_EQ(sys_rmdir(init(), "/a/c"), 0);
}

// --- generic ---

TEST_F(ContainerTest, Row112_ReadOnlyFileWriteIsEinval) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(write_file(init(), "/a/releasable", "1"), -EINVAL);
}

TEST_F(ContainerTest, Row113_WriteUint) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(write_file(init(), "/a/cpuset_value", ""), -EINVAL);
  EXPECT_EQ(write_file(init(), "/a/cpuset_value", std::string(64, '1')), -E2BIG);
  EXPECT_EQ(write_file(init(), "/a/cpuset_value", "0x10\n"), 5);
  EXPECT_EQ(read_file(init(), "/a/cpuset_value"), "16\n");
  EXPECT_EQ(write_file(init(), "/a/cpuset_value", "010"), 3);
  EXPECT_EQ(read_file(init(), "/a/cpuset_value"), "8\n");
  EXPECT_EQ(write_file(init(), "/a/cpuset_value", "5x"), -EINVAL);
  EXPECT_EQ(write_file(init(), "/a/cpuset_value", " 5"), -EINVAL);
  EXPECT_EQ(write_file(init(), "/a/cpuset_value", "-1"), -EINVAL);
  EXPECT_EQ(write_file(init(), "/a/cpuset_value", "5\n\n"), -EINVAL);
  EXPECT_EQ(read_file(init(), "/a/cpuset_value"), "8\n");
}

// --- shared css_groups ---

TEST_F(ContainerTest, CssGroupsAreSharedAndFreed) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  size_t base = k().containers().css_group_count();
  std::vector<task_struct*> ts;
  for (int i = 0; i < 10; i++) {
    ts.push_back(&spawn(init()));
    ASSERT_GT(write_file(*ts.back(), "/a/c/tasks", "0"), 0);
  }
  EXPECT_EQ(k().containers().css_group_count(), base + 1);  // one shared group
  for (task_struct* t : ts) k().release_task(t);
  EXPECT_EQ(k().containers().css_group_count(), base);
}

TEST_F(ContainerTest, ContainerClone) {
  ASSERT_EQ(mount("/a", "ns,cpuset"), 0);
  task_struct& t = spawn(init());
  recording_log().take();
  ASSERT_TRUE(k().sys_unshare(&t, CLONE_NEWUTS).ok());
  std::string node = "node_" + std::to_string(t.pid);
  EXPECT_EQ(read_file(init(), "/a/" + node + "/tasks"), pids_text({t.pid}));
  EXPECT_THAT(recording_log().take(), ::testing::Contains("cpuset.post_clone /" + node));
  task_struct& user = spawn(init());
  user.euid = 1000;
  EXPECT_EQ(k().sys_unshare(&user, CLONE_NEWUTS), Errno(EPERM));
  // clone(): the node is named after the parent, and the child is placed in it.
  auto child = k().do_fork(&init(), CLONE_NEWNS);
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(read_file(init(), "/a/node_" + std::to_string(init().pid) + "/tasks"),
            pids_text({child.value()->pid}));
  // A second clone while the node exists fails with EEXIST (row 81).
  auto again = k().do_fork(&init(), CLONE_NEWNS);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), Errno(EEXIST));
}

// Regression: container_exit took a reference on init_css_group for each zombie that
// release_task never dropped, so the group's count grew with every exit (2.6.24's
// cgroup_exit takes none).
TEST_F(ContainerTest, ExitAndReapLeaveNoReferenceOnInitCssGroup) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  css_group* init_cg = k().containers().init_css_group();
  int before = init_cg->ref.load();
  for (int i = 0; i < 100; i++) {
    task_struct& t = spawn(init());
    k().do_exit(&t, 0);
    EXPECT_EQ(task_css_group(&t), init_cg);
    k().release_task(&t);
  }
  EXPECT_EQ(init_cg->ref.load(), before);
}

}  // namespace
}  // namespace uk::testing
