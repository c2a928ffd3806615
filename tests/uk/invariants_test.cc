// The invariant checker (uk/invariants.h): green through a busy session of mounts,
// mkdirs, attaches, forks, exits and unmounts; and each kind of corruption it is meant
// to catch is reported.
#include "uk/invariants.h"

#include <sys/mount.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/uk/kernel_fixture.h"
#include "uk/container_core.h"
#include "uk/css_group.h"
#include "vfs/dentry.h"
#include "vfs/file.h"
#include "vfs/inode.h"

namespace uk::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using InvariantsTest = KernelTest;

TEST_F(InvariantsTest, FreshKernelIsConsistent) { EXPECT_THAT(check_invariants(k()), IsEmpty()); }

TEST_F(InvariantsTest, BusySessionStaysConsistent) {
  ASSERT_EQ(mount("/a", "cpuset,cpu"), 0);
  ASSERT_EQ(mount("/b", "cpuacct"), 0);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x/y", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/b/z", 0755), 0);
  task_struct& p = spawn(init());
  task_struct& c = spawn(p);
  task_struct& th = spawn(p, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  ASSERT_EQ(write_file(init(), "/a/x/tasks", std::to_string(p.pid)), 1);
  ASSERT_EQ(write_file(init(), "/a/x/y/tasks", std::to_string(c.pid)), 1);
  ASSERT_EQ(write_file(init(), "/b/z/tasks", std::to_string(th.pid)), 1);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  task_struct& gc = spawn(c);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  k().do_exit(&c, 0);
  EXPECT_THAT(check_invariants(k()), IsEmpty());  // a zombie
  k().release_task(&c);
  k().release_task(&gc);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  EXPECT_EQ(sys_rmdir(init(), "/a/x/y"), 0);
  EXPECT_EQ(sys_rmdir(init(), "/a/x"), -EBUSY);
  ASSERT_EQ(write_file(init(), "/a/tasks", std::to_string(p.pid)), 1);
  EXPECT_EQ(sys_rmdir(init(), "/a/x"), 0);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  EXPECT_EQ(sys_umount(init(), "/a", 0), 0);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  EXPECT_EQ(sys_mount(init(), "none", "/a", "container", 0, "cpuset"), 0);
  EXPECT_EQ(sys_mount(init(), "none", "/a", "container", MS_REMOUNT, "cpuset,cpu"), 0);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
}

TEST_F(InvariantsTest, SubsystemlessHierarchyStaysConsistent) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  sys_mkdir(init(), "/n", 0755);
  ASSERT_EQ(sys_mount(init(), "none", "/n", "cgroup", 0, "none,name=x"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/n/g", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/g", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(init(), "/n/g/tasks", std::to_string(t.pid)), 1);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  task_struct& c = spawn(t);
  ASSERT_EQ(write_file(init(), "/a/g/tasks", std::to_string(c.pid)), 1);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
  k().release_task(&c);
  ASSERT_EQ(write_file(init(), "/n/tasks", std::to_string(t.pid)), 1);
  EXPECT_EQ(sys_rmdir(init(), "/n/g"), 0);
  EXPECT_THAT(check_invariants(k()), IsEmpty());
}

TEST_F(InvariantsTest, ReportsAnExtraCssGroupReference) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  task_struct& t = spawn(init());
  css_group* cg = task_css_group(&t);
  cg->ref++;
  EXPECT_THAT(check_invariants(k()), Contains(HasSubstr("references exist")));
  // A fork in flight may hold one: tolerated unless quiescent.
  EXPECT_THAT(check_invariants(k(), {.quiescent = false}), IsEmpty());
  cg->ref--;
  EXPECT_THAT(check_invariants(k()), IsEmpty());
}

TEST_F(InvariantsTest, ReportsAWrongContainerCount) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  container* top = k().containers().subsys(cpuset_subsys_id)->root->top_container.children.front();
  top->count++;
  EXPECT_THAT(check_invariants(k()), Contains(HasSubstr("#0:/x: count 1 but 0")));
  top->count--;
  EXPECT_THAT(check_invariants(k()), IsEmpty());
}

TEST_F(InvariantsTest, ReportsATaskMissingFromItsList) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  task_struct& t = spawn(init());
  {
    absl::MutexLock l(&k().containers().css_group_lock);
    absl::MutexLock tl(&t.alloc_lock);
    t.containers->tasks.erase(t.cg_list);
    t.cg_list_linked = false;
  }
  auto v = check_invariants(k());
  EXPECT_THAT(v, Contains(HasSubstr("is on no task list")));
  k().containers().container_post_fork(&t);  // links it again
  EXPECT_THAT(check_invariants(k()), IsEmpty());
}

TEST_F(InvariantsTest, ReportsATaskInTwoContainersOfOneHierarchy) {
  ASSERT_EQ(mount("/a", "cpuset,cpu"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(init(), "/a/x/tasks", std::to_string(t.pid)), 1);
  // Forge the group's cpu state back to the root's: cpuset says /x, cpu says /.
  css_group* cg = task_css_group(&t);
  container_subsys_state* saved = cg->subsys[cpu_subsys_id];
  cg->subsys[cpu_subsys_id] = k().containers().init_css_group()->subsys[cpu_subsys_id];
  EXPECT_THAT(check_invariants(k(), {.read_tasks_files = false}),
              Contains(HasSubstr("two containers in hierarchy")));
  cg->subsys[cpu_subsys_id] = saved;
  EXPECT_THAT(check_invariants(k()), IsEmpty());
}

// A `tasks` file's read through the VFS is compared with the task table, for every
// container of a mounted hierarchy: here one under another mount (its path now names
// the other filesystem's directory), whose file is made to read a wrong pid.
TEST_F(InvariantsTest, ReadsEveryTasksFileEvenUnderAnotherMount) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(init(), "/a/x/tasks", std::to_string(t.pid)), 1);
  ASSERT_EQ(sys_mount(init(), "none", "/a/x", "cgroup", 0, "none,name=over"), 0);
  EXPECT_THAT(check_invariants(k()), IsEmpty());

  struct wrong_pid : file_operations {
    ErrorOr<size_t> read(file& f, char* buf, size_t count, loff_t* pos) const override {
      return simple_read_from_buffer(buf, count, pos, "99999\n");
    }
  };
  static const wrong_pid kWrongPid;
  container* x = k().containers().subsys(cpuset_subsys_id)->root->top_container.children.front();
  std::shared_ptr<dentry> tasks = d_lookup(*x->dentry, "tasks");
  ASSERT_NE(tasks, nullptr);
  const file_operations* saved = tasks->d_inode->i_fop;
  tasks->d_inode->i_fop = &kWrongPid;
  EXPECT_THAT(check_invariants(k()),
              Contains(HasSubstr("lists [99999\n] but the task table says [" +
                                 std::to_string(t.pid) + "\n]")));
  tasks->d_inode->i_fop = saved;
  EXPECT_THAT(check_invariants(k()), IsEmpty());
}

TEST_F(InvariantsTest, CheckTaskGreenForForkedAndMovedTasks) {
  ASSERT_EQ(mount("/a", "cpuset,cpu"), 0);
  ASSERT_EQ(mount("/b", "cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  task_struct& t = spawn(init());
  EXPECT_THAT(check_task(k(), &t), IsEmpty());
  ASSERT_EQ(write_file(init(), "/a/x/tasks", std::to_string(t.pid)), 1);
  task_struct& c = spawn(t);
  task_struct& th = spawn(t, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND);
  EXPECT_THAT(check_task(k(), &t), IsEmpty());
  EXPECT_THAT(check_task(k(), &c), IsEmpty());
  EXPECT_THAT(check_task(k(), &th), IsEmpty());
}

// Each corruption the full check catches for one task, check_task catches too (uk-run
// --check relies on it between two full checks).
TEST_F(InvariantsTest, CheckTaskReportsATaskMissingFromItsList) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  task_struct& t = spawn(init());
  {
    absl::MutexLock l(&k().containers().css_group_lock);
    absl::MutexLock tl(&t.alloc_lock);
    t.containers->tasks.erase(t.cg_list);
    t.cg_list_linked = false;
  }
  EXPECT_THAT(check_task(k(), &t), Contains(HasSubstr("is on no task list")));
  k().containers().container_post_fork(&t);
  EXPECT_THAT(check_task(k(), &t), IsEmpty());
}

TEST_F(InvariantsTest, CheckTaskReportsACssOfAnotherHierarchy) {
  ASSERT_EQ(mount("/a", "cpuset,cpu"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(init(), "/a/x/tasks", std::to_string(t.pid)), 1);
  css_group* cg = task_css_group(&t);
  // cpu's css in cpuset's slot: a container of the right hierarchy, the wrong state.
  container_subsys_state* saved = cg->subsys[cpuset_subsys_id];
  cg->subsys[cpuset_subsys_id] = cg->subsys[cpu_subsys_id];
  EXPECT_THAT(check_task(k(), &t),
              Contains(HasSubstr(absl::StrCat("css of subsystem ", int{cpuset_subsys_id},
                                              " is not its container's"))));
  cg->subsys[cpuset_subsys_id] = saved;
  EXPECT_THAT(check_task(k(), &t), IsEmpty());
}

TEST_F(InvariantsTest, CheckTaskReportsAMissingLinkAndAZeroRef) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  task_struct& t = spawn(init());
  css_group* cg = task_css_group(&t);
  int ref = cg->ref.load();
  cg->ref = 0;
  EXPECT_THAT(check_task(k(), &t), Contains(HasSubstr("its css_group has ref 0")));
  cg->ref = ref;
  std::unique_ptr<cg_container_link> link = std::move(cg->cg_links.back());
  cg->cg_links.pop_back();
  EXPECT_THAT(check_task(k(), &t), Contains(HasSubstr("is in 0 containers of a hierarchy")));
  cg->cg_links.push_back(std::move(link));
  EXPECT_THAT(check_task(k(), &t), IsEmpty());
}

TEST_F(InvariantsTest, CheckTaskReportsAReleasedTask) {
  task_struct& t = spawn(init());
  pid_t pid = t.pid;
  k().do_exit(&t, 0);
  EXPECT_THAT(check_task(k(), &t), Contains(HasSubstr(absl::StrCat("task ", pid, " is exiting"))));
  k().release_task(&t);
}

TEST_F(InvariantsTest, HostComparison) {
  std::vector<host_thread> host = {{1, 1, 'S'}};
  task_struct& t = spawn(init());
  auto v = compare_with_host(k(), host, 1);
  EXPECT_THAT(v, Contains(HasSubstr(absl::StrCat("task ", t.pid, " (init) has no host thread"))));
  host.push_back({t.pid, t.pid, 'R'});
  host.push_back({4242, 4242, 'S'});
  host.push_back({4243, 4243, 'Z'});  // a zombie the tracker already released
  v = compare_with_host(k(), host, 1);
  EXPECT_THAT(v, ::testing::ElementsAre(HasSubstr("host thread 4242")));
}

}  // namespace
}  // namespace uk::testing
