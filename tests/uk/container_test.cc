// The container core through the syscall API, one test per checklist row of
// shared/spec/containers-spec.md section 6, areas mount to the tasks file (the rows that
// follow a task's life and the generic ones are in container_lifecycle_test.cc).
// Subsystems here are the recording ones (tests/uk/recording_subsys.h), named like the
// real ones.
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>

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
  // simple_statfs() leaves f_fsid 0 (kernfs gives one per hierarchy: conformance case
  // statfs_fsid).
  EXPECT_EQ(st.f_fsid.__val[0], 0);
  EXPECT_EQ(st.f_fsid.__val[1], 0);
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

// A directory's link count is 2 and one per child directory (2.6.24 cgroup_create_file,
// cgroup_create_dir's inc_nlink(parent), remove_dir's simple_rmdir): find and fts
// read it.
TEST_F(ContainerTest, DirectoryLinksCountChildren) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  auto links = [this](const char* path) {
    struct stat st = {};
    EXPECT_EQ(sys_stat(init(), path, &st), 0) << path;
    return st.st_nlink;
  };
  EXPECT_EQ(links("/a"), 2u);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/d", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c/e", 0755), 0);
  EXPECT_EQ(links("/a"), 4u);
  EXPECT_EQ(links("/a/c"), 3u);
  EXPECT_EQ(links("/a/c/e"), 2u);
  EXPECT_EQ(links("/a/c/tasks"), 1u);
  ASSERT_EQ(sys_rename(init(), "/a/d", "/a/d2"), 0);
  EXPECT_EQ(links("/a"), 4u);
  ASSERT_EQ(sys_rmdir(init(), "/a/c/e"), 0);
  ASSERT_EQ(sys_rmdir(init(), "/a/d2"), 0);
  EXPECT_EQ(links("/a"), 3u);
  EXPECT_EQ(links("/a/c"), 2u);
  EXPECT_EQ(sys_rmdir(init(), "/a/c/tasks"), -ENOTDIR);
  EXPECT_EQ(links("/a/c"), 2u);
}

// 2.6.24's inode_setattr truncates a control file to the size asked (vmtruncate: stat
// says it), and an O_TRUNC open back to 0; today's kernfs keeps it 0 (the cgroup
// flavour: tests/cgroup's file_ops case against the host).
TEST_F(ContainerTest, TruncateSetsAControlFilesSize) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  struct stat st;
  ASSERT_EQ(sys_truncate(init(), "/a/notify_on_release", 5), 0);
  ASSERT_EQ(sys_stat(init(), "/a/notify_on_release", &st), 0);
  EXPECT_EQ(st.st_size, 5);
  long fd = sys_open(init(), "/a/notify_on_release", O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  sys_close(init(), static_cast<int>(fd));
  ASSERT_EQ(sys_stat(init(), "/a/notify_on_release", &st), 0);
  EXPECT_EQ(st.st_size, 0);
}

// fsync: 2.6.24's cgroup_file_operations have no ->fsync (EINVAL), its directories are
// simple_dir_operations (simple_sync_file); kernfs the other way round.
TEST_F(ContainerTest, FsyncAnswersAsEachFlavour) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c", 0755), 0);
  ASSERT_EQ(sys_mount(init(), "none", "/c", "cgroup", 0, "none,name=f"), 0);
  auto fsync_of = [this](const char* path, int flags) {
    long fd = sys_open(init(), path, flags);
    EXPECT_GE(fd, 0) << path;
    long r = sys_fsync(init(), static_cast<int>(fd));
    sys_close(init(), static_cast<int>(fd));
    return r;
  };
  EXPECT_EQ(fsync_of("/a/tasks", O_RDONLY), -EINVAL);
  EXPECT_EQ(fsync_of("/a", O_RDONLY | O_DIRECTORY), 0);
  EXPECT_EQ(fsync_of("/c/tasks", O_RDONLY), 0);
  EXPECT_EQ(fsync_of("/c", O_RDONLY | O_DIRECTORY), -EINVAL);
  EXPECT_EQ(sys_fsync(init(), 99), -EBADF);
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

}  // namespace
}  // namespace uk::testing
