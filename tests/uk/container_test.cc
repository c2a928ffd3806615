// The container core through the syscall API, one test per checklist row of
// shared/spec/containers-spec.md section 6 (areas mount ... generic). Subsystems here
// are the recording ones (tests/uk/recording_subsys.h), named like the real ones.
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/uk/kernel_fixture.h"
#include "uk/containerfs.h"
#include "vfs/mount.h"
#include "vfs/super.h"

namespace uk::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::StartsWith;

using ContainerTest = KernelTest;

std::string mounts_options(kernel& k, const std::string& dir) {
  // The options a /proc/mounts line would show for the mount at `dir`.
  for (auto& mnt : k.vfs().mounts()) {
    if (k.vfs().d_path(path{mnt, mnt->mnt_root}) == dir) {
      std::string out;
      mnt->mnt_sb->s_op->show_options(out, *mnt);
      return out;
    }
  }
  return "NOT MOUNTED";
}

// --- mount ---

TEST_F(ContainerTest, Row01_MountWithoutOptionsBindsAll) {
  ASSERT_EQ(mount("/m", nullptr), 0);
  EXPECT_EQ(mounts_options(k(), "/m"), ",net,freezer,pids,cpuacct,cpu,ns,debug,cpuset");
  EXPECT_EQ(read_file(init(), "/proc/containers"),
            "#subsys_name\thierarchy\tnum_containers\ncpuset\t255\t1\ndebug\t255\t1\nns\t255\t1\n"
            "cpu\t255\t1\ncpuacct\t255\t1\npids\t255\t1\nfreezer\t255\t1\nnet\t255\t1\n");
}

TEST_F(ContainerTest, Row02_SameOptionsReuseTheHierarchy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(mount("/b", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  EXPECT_THAT(ls(init(), "/b"), ::testing::Contains("x"));
}

TEST_F(ContainerTest, Row03_SubsystemInAnotherHierarchyIsBusy) {
  ASSERT_EQ(mount("/a", "cpuset,cpuacct"), 0);
  EXPECT_EQ(mount("/b", "cpuset"), -EBUSY);
}

TEST_F(ContainerTest, Row04_SupersetOfExistingIsBusy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(mount("/b", "cpuset,cpuacct"), -EBUSY);
}

TEST_F(ContainerTest, Row05_DifferentNoprefixIsBusy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(mount("/b", "cpuset,noprefix"), -EBUSY);
}

TEST_F(ContainerTest, Row06_07_UnknownOrWrongCaseSubsystem) {
  EXPECT_EQ(mount("/a", "nosuchsubsys"), -ENOENT);
  EXPECT_EQ(mount("/a", "CPUSET"), -ENOENT);
}

TEST_F(ContainerTest, Row08_EmptyToken) {
  EXPECT_EQ(mount("/a", "cpuset,,debug"), -EINVAL);
  EXPECT_EQ(mount("/a", "cpuset,"), -EINVAL);
  EXPECT_EQ(mount("/a", ""), -EINVAL);
}

TEST_F(ContainerTest, Row09_NoprefixAlone) { EXPECT_EQ(mount("/a", "noprefix"), -EINVAL); }

TEST_F(ContainerTest, Row10_TwoReleaseAgents) {
  EXPECT_EQ(mount("/a", "cpuset,release_agent=/x,release_agent=/y"), -EINVAL);
}

TEST_F(ContainerTest, Row11_AllEqualsNoOptions) {
  ASSERT_EQ(mount("/a", "all"), 0);
  ASSERT_EQ(mount("/b", nullptr), 0);  // same hierarchy, reused
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  EXPECT_THAT(ls(init(), "/b"), ::testing::Contains("x"));
}

TEST_F(ContainerTest, Row12_ReuseIgnoresNewReleaseAgent) {
  ASSERT_EQ(mount("/a", "cpuset,release_agent=/first"), 0);
  ASSERT_EQ(mount("/b", "cpuset,release_agent=/second"), 0);
  EXPECT_EQ(read_file(init(), "/b/release_agent"), "/first\n");
}

TEST_F(ContainerTest, Row13_ReleaseAgentOption) {
  ASSERT_EQ(mount("/a", "cpuset,release_agent=/x"), 0);
  EXPECT_EQ(read_file(init(), "/a/release_agent"), "/x\n");
  EXPECT_EQ(mounts_options(k(), "/a"), ",cpuset,release_agent=/x");
}

TEST_F(ContainerTest, Row14_15_RootDirectoryContents) {
  ASSERT_EQ(mount("/a", "cpuset,debug"), 0);
  // V10: literal file names, no "<subsys>." prefix.
  EXPECT_THAT(ls(init(), "/a"), ElementsAre("cpuset_value", "debug_value", "notify_on_release",
                                            "releasable", "release_agent", "tasks"));
  ASSERT_EQ(mount("/b", "ns,noprefix"), 0);
  EXPECT_THAT(ls(init(), "/b"),
              ElementsAre("notify_on_release", "ns_value", "releasable", "release_agent", "tasks"));
}

TEST_F(ContainerTest, Row16_RootTasksListsEveryThread) {
  task_struct& a = spawn(init());
  task_struct& b = spawn(a, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES);
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(read_file(init(), "/a/tasks"), pids_text({init().pid, a.pid, b.pid}));
}

TEST_F(ContainerTest, Row17_StatfsMagic) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  struct statfs st;
  ASSERT_EQ(sys_statfs(init(), "/a", &st), 0);
  EXPECT_EQ(static_cast<unsigned long>(st.f_type), CONTAINER_SUPER_MAGIC);
}

TEST_F(ContainerTest, Row18_OptionOrderIsDescendingId) {
  ASSERT_EQ(mount("/a", "cpuset,cpuacct"), 0);
  EXPECT_EQ(mounts_options(k(), "/a"), ",cpuacct,cpuset");
}

// --- umount ---

TEST_F(ContainerTest, Row21_UmountWithoutChildrenDestroysHierarchy) {
  ASSERT_EQ(mount("/a", "cpuset,cpuacct"), 0);
  recording_log().take();
  ASSERT_EQ(sys_umount(init(), "/a", 0), 0);
  EXPECT_THAT(recording_log().take(), IsSupersetOf({"cpuset.bind dummy", "cpuacct.bind dummy"}));
  EXPECT_EQ(mount("/b", "cpuset"), 0);
  EXPECT_EQ(mount("/c", "cpuacct,debug"), 0);
}

TEST_F(ContainerTest, Row22_HierarchyWithChildrenOutlivesUmount) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/kept", 0755), 0);
  ASSERT_EQ(sys_umount(init(), "/a", 0), 0);
  EXPECT_EQ(mount("/b", "cpuset,debug"), -EBUSY);
  ASSERT_EQ(mount("/b", "cpuset"), 0);
  EXPECT_THAT(ls(init(), "/b"), ::testing::Contains("kept"));
}

// --- remount ---

long remount(task_struct& t, const char* dir, const char* opts) {
  return sys_mount(t, "none", dir, "container", MS_REMOUNT, opts);
}

TEST_F(ContainerTest, Row23_RemountChangesSubsystems) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  recording_log().take();
  ASSERT_EQ(remount(init(), "/a", "debug"), 0);
  EXPECT_THAT(recording_log().take(), IsSupersetOf({"cpuset.bind dummy", "debug.bind /"}));
  EXPECT_EQ(mounts_options(k(), "/a"), ",debug");
  EXPECT_THAT(ls(init(), "/a"), ::testing::Contains("debug_value"));
  EXPECT_THAT(ls(init(), "/a"), Not(::testing::Contains("cpuset_value")));
  EXPECT_EQ(mount("/b", "cpuset"), 0);  // free again
}

TEST_F(ContainerTest, Row24_RemountWithChildIsBusy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(remount(init(), "/a", "cpuset"), -EBUSY);
}

TEST_F(ContainerTest, Row25_RemountAddingBoundSubsystemIsBusy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(mount("/b", "debug"), 0);
  EXPECT_EQ(remount(init(), "/a", "cpuset,debug"), -EBUSY);
}

TEST_F(ContainerTest, Row26_RemountChangingNoprefixIsInvalid) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(remount(init(), "/a", "cpuset,noprefix"), -EINVAL);
}

TEST_F(ContainerTest, Row27_FailedRemountStillStoresReleaseAgent) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(remount(init(), "/a", "cpuset,release_agent=/y"), -EBUSY);
  EXPECT_EQ(read_file(init(), "/a/release_agent"), "/y\n");
}

// --- mkdir ---

TEST_F(ContainerTest, Row28_MkdirHasFilesButNoReleaseAgent) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_THAT(ls(init(), "/a/c"),
              ElementsAre("cpuset_value", "notify_on_release", "releasable", "tasks"));
}

TEST_F(ContainerTest, Row29_30_MkdirErrors) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(sys_mkdir(init(), "/a/c", 0755), -EEXIST);
  EXPECT_EQ(sys_mkdir(init(), "/a/x/y", 0755), -ENOENT);
  EXPECT_EQ(sys_mkdir(init(), "/a/tasks", 0755), -EEXIST);
}

TEST_F(ContainerTest, Row31_NotifyOnReleaseNotInherited) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(write_file(init(), "/a/notify_on_release", "1"), 1);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(read_file(init(), "/a/c/notify_on_release"), "0\n");
}

TEST_F(ContainerTest, Row32_ModesAndOwner) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  task_struct& user = spawn(init());
  ASSERT_EQ(sys_chown(init(), "/a", 1000, 1000), 0);
  user.uid = user.euid = user.suid = user.fsuid = 1000;
  user.gid = user.egid = user.sgid = user.fsgid = 1000;
  ASSERT_EQ(sys_mkdir(user, "/a/c", 0775), 0);
  struct stat st;
  ASSERT_EQ(sys_stat(init(), "/a/c", &st), 0);
  EXPECT_EQ(st.st_mode, S_IFDIR | 0755);  // umask 022
  EXPECT_EQ(st.st_uid, 1000u);
  ASSERT_EQ(sys_stat(init(), "/a/c/tasks", &st), 0);
  EXPECT_EQ(st.st_mode, S_IFREG | 0644);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1000u);
}

TEST_F(ContainerTest, Row33_NumContainersAfterMkdir) {
  ASSERT_EQ(mount("/a", "cpuset,cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  std::string stats = read_file(init(), "/proc/containers");
  EXPECT_THAT(stats, HasSubstr("cpuset\t17\t2\n"));
  EXPECT_THAT(stats, HasSubstr("cpuacct\t17\t2\n"));
  EXPECT_THAT(stats, HasSubstr("debug\t0\t1\n"));
}

TEST_F(ContainerTest, Row34_CreateErrorFailsMkdirAndUnwinds) {
  ASSERT_EQ(mount("/a", "cpuset,ns"), 0);
  ss(cpuset_subsys_id).fail_create = EPERM;
  recording_log().take();
  EXPECT_EQ(sys_mkdir(init(), "/a/c", 0755), -EPERM);
  // List order is descending id: ns was created first and is destroyed again.
  EXPECT_THAT(recording_log().take(),
              ElementsAre("ns.create", "cpuset.create-fail", "ns.destroy (new)"));
  EXPECT_THAT(ls(init(), "/a"), Not(::testing::Contains("c")));
}

// --- rmdir ---

TEST_F(ContainerTest, Row36_RmdirEmptyLeaf) {
  ASSERT_EQ(mount("/a", "cpuset,cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  recording_log().take();
  ASSERT_EQ(sys_rmdir(init(), "/a/c"), 0);
  EXPECT_THAT(recording_log().take(), ElementsAre("cpuacct.destroy /c", "cpuset.destroy /c"));
  EXPECT_THAT(read_file(init(), "/proc/containers"), HasSubstr("cpuset\t17\t1\n"));
}

TEST_F(ContainerTest, Row37_38_RmdirBusy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c/d", 0755), 0);
  EXPECT_EQ(sys_rmdir(init(), "/a/c"), -EBUSY);
  task_struct& t = spawn(init());
  ASSERT_EQ(write_file(init(), "/a/c/d/tasks", std::to_string(t.pid)),
            static_cast<long>(std::to_string(t.pid).size()));
  EXPECT_EQ(sys_rmdir(init(), "/a/c/d"), -EBUSY);
}

TEST_F(ContainerTest, Row39_PinnedCssIsBusy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  container* c = nullptr;
  k().containers().container_iter(&ss(cpuset_subsys_id).root->top_container, [](task_struct*) {});
  for (container* child : ss(cpuset_subsys_id).root->top_container.children) c = child;
  ASSERT_NE(c, nullptr);
  k().containers().css_get(c->subsys[cpuset_subsys_id]);
  EXPECT_EQ(sys_rmdir(init(), "/a/c"), -EBUSY);
  k().containers().css_put(c->subsys[cpuset_subsys_id]);
  EXPECT_EQ(sys_rmdir(init(), "/a/c"), 0);
}

TEST_F(ContainerTest, Row40_RootIsBusy) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_EQ(sys_rmdir(init(), "/a"), -EBUSY);
}

TEST_F(ContainerTest, Row41_WriteAfterRmdirIsEnodev) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  long fd = sys_open(init(), "/a/c/tasks", O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(sys_rmdir(init(), "/a/c"), 0);
  EXPECT_EQ(sys_write(init(), fd, "0", 1), -ENODEV);
  EXPECT_EQ(sys_close(init(), fd), 0);
}

// --- rename ---

TEST_F(ContainerTest, Row42_43_Rename) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/x", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/y", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/y/z", 0755), 0);
  EXPECT_EQ(sys_rename(init(), "/a/x", "/a/b"), 0);
  EXPECT_EQ(read_file(init(), "/a/b/notify_on_release"), "0\n");
  EXPECT_EQ(sys_rename(init(), "/a/b", "/a/y"), -EEXIST);
  EXPECT_EQ(sys_rename(init(), "/a/b/tasks", "/a/b/t2"), -ENOTDIR);
  EXPECT_EQ(sys_rename(init(), "/a/y/z", "/a/z"), -EIO);
}

// --- attach ---

TEST_F(ContainerTest, Row44_AttachOwnPidOrZero) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& t = spawn(init());
  std::string pid = std::to_string(t.pid);
  EXPECT_EQ(write_file(t, "/a/c/tasks", pid), static_cast<long>(pid.size()));
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({t.pid}));
  ASSERT_EQ(sys_mkdir(init(), "/a/d", 0755), 0);
  EXPECT_EQ(write_file(t, "/a/d/tasks", "0"), 1);
  EXPECT_EQ(read_file(init(), "/a/d/tasks"), pids_text({t.pid}));
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), "");
}

TEST_F(ContainerTest, Row45_46_47_48_TasksWriteParsing) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(write_file(init(), "/a/c/tasks", "99999"), -ESRCH);
  EXPECT_EQ(write_file(init(), "/a/c/tasks", "-5"), -ESRCH);
  EXPECT_EQ(write_file(init(), "/a/c/tasks", "abc"), -EIO);
  EXPECT_EQ(write_file(init(), "/a/c/tasks", ""), -EIO);
  EXPECT_EQ(write_file(init(), "/a/c/tasks", "\n"), -EIO);
  EXPECT_EQ(write_file(init(), "/a/c/tasks", "+1"), -EIO);
  task_struct& t1 = spawn(init());
  task_struct& t2 = spawn(init());
  std::string two = std::to_string(t1.pid) + " " + std::to_string(t2.pid);
  EXPECT_EQ(write_file(init(), "/a/c/tasks", two), static_cast<long>(two.size()));
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({t1.pid}));
  EXPECT_EQ(write_file(init(), "/a/c/tasks", "  " + std::to_string(t2.pid) + "abc"),
            static_cast<long>(std::to_string(t2.pid).size() + 5));
  EXPECT_EQ(write_file(init(), "/a/c/tasks", std::string(4096, '1')), -E2BIG);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({t1.pid, t2.pid}));
}

TEST_F(ContainerTest, Row49_50_51_AttachPermissions) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  ASSERT_EQ(sys_chmod(init(), "/a/c/tasks", 0666), 0);
  task_struct& user = spawn(init());
  user.uid = user.euid = user.suid = user.fsuid = 1000;
  task_struct& other = spawn(init());
  other.uid = other.euid = other.suid = other.fsuid = 2000;
  EXPECT_EQ(write_file(user, "/a/c/tasks", std::to_string(other.pid)), -EACCES);
  EXPECT_GT(write_file(init(), "/a/c/tasks", std::to_string(other.pid)), 0);  // euid 0
  other.suid = 1000;  // a matching suid is enough
  ASSERT_EQ(sys_mkdir(init(), "/a/d", 0755), 0);
  EXPECT_EQ(write_file(user, "/a/d/tasks", std::to_string(other.pid)), -EACCES);  // 0644, not owner
  ASSERT_EQ(sys_chmod(init(), "/a/d/tasks", 0666), 0);
  EXPECT_GT(write_file(user, "/a/d/tasks", std::to_string(other.pid)), 0);
}

TEST_F(ContainerTest, Row52_AlreadyThereMakesNoCallbacks) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  recording_log().take();
  EXPECT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  EXPECT_THAT(recording_log().take(), ElementsAre());
}

TEST_F(ContainerTest, Row53_CanAttachVeto) {
  ASSERT_EQ(mount("/a", "cpuset,cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& t = spawn(init());
  ss(cpuset_subsys_id).fail_can_attach = ENOSPC;
  recording_log().take();
  EXPECT_EQ(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), -ENOSPC);
  // can_attach in list order (descending id), nothing attached.
  EXPECT_THAT(recording_log().take(), ElementsAre("cpuacct.can_attach /c " + std::to_string(t.pid),
                                                  "cpuset.can_attach /c " + std::to_string(t.pid)));
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), "");
  ss(cpuset_subsys_id).fail_can_attach = 0;
  EXPECT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  std::string p = std::to_string(t.pid);
  EXPECT_THAT(recording_log().take(),
              ElementsAre("cpuacct.can_attach /c " + p, "cpuset.can_attach /c " + p,
                          "cpuacct.attach /c from / " + p, "cpuset.attach /c from / " + p));
}

TEST_F(ContainerTest, Row54_OnlyTheThreadMoves) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(mount("/b", "debug"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& leader = spawn(init());
  task_struct& thread = spawn(leader, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES);
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(thread.pid)), 0);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({thread.pid}));
  EXPECT_THAT(read_file(init(), "/a/tasks"), HasSubstr(std::to_string(leader.pid) + "\n"));
  EXPECT_THAT(read_file(init(), "/b/tasks"), HasSubstr(std::to_string(thread.pid) + "\n"));
}

TEST_F(ContainerTest, Row55_LeavingMakesReleasable) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& t = spawn(init());
  EXPECT_EQ(read_file(init(), "/a/c/releasable"), "0\n");
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  ASSERT_GT(write_file(init(), "/a/tasks", std::to_string(t.pid)), 0);
  EXPECT_EQ(read_file(init(), "/a/c/releasable"), "1\n");
}

// --- tasks read ---

TEST_F(ContainerTest, Row57_58_TasksSortedOrEmpty) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), "");
  std::vector<pid_t> pids;
  for (int i = 0; i < 5; i++) pids.push_back(spawn(init()).pid);
  for (auto it = pids.rbegin(); it != pids.rend(); ++it) {
    ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(*it)), 0);
  }
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text(pids));
}

TEST_F(ContainerTest, Row59_SnapshotAtOpen) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  long fd = sys_open(init(), "/a/c/tasks", O_RDONLY);
  ASSERT_GE(fd, 0);
  task_struct& t = spawn(init());
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(t.pid)), 0);
  char buf[64];
  EXPECT_EQ(sys_read(init(), fd, buf, sizeof buf), 0);
  sys_close(init(), fd);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({t.pid}));
}

TEST_F(ContainerTest, Row60_EveryThreadListed) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& leader = spawn(init());
  ASSERT_GT(write_file(init(), "/a/c/tasks", std::to_string(leader.pid)), 0);
  task_struct& t1 = spawn(leader, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES);
  task_struct& t2 = spawn(leader, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({leader.pid, t1.pid, t2.pid}));
}

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
