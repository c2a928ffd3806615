// uk::container_file_is_snapshot: which open files are served from content taken at
// open, or under -t cgroup by the first read (uk-run's shim settles its task table for
// such an open or first read, not for the later reads).
#include <fcntl.h>

#include <string>

#include "tests/uk/kernel_fixture.h"
#include "uk/container_files.h"
#include "uk/containerfs.h"
#include "vfs/dentry.h"
#include "vfs/fs_struct.h"

namespace uk::testing {
namespace {

// A `-t cgroup` cpuset hierarchy at /c with a group a, made by `t`.
void mount_cgroup_with_a(task_struct& t) {
  ASSERT_EQ(sys_mkdir(t, "/c", 0755), 0);
  ASSERT_EQ(sys_mount(t, "none", "/c", "cgroup", 0, "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(t, "/c/a", 0755), 0);
}

// Whether `fd` of `t` is a snapshot; the fd is closed.
bool snapshot(task_struct& t, long fd) {
  EXPECT_GE(fd, 0);
  auto f = t.files->fget(static_cast<int>(fd));
  EXPECT_TRUE(f.ok());
  bool r = f.ok() && container_file_is_snapshot(**f);
  sys_close(t, static_cast<int>(fd));
  return r;
}

TEST_F(KernelTest, TasksAndProcsOpenedForReadingAreSnapshots) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  EXPECT_TRUE(snapshot(init(), sys_open(init(), "/a/tasks", O_RDONLY)));
  EXPECT_TRUE(snapshot(init(), sys_open(init(), "/a/tasks", O_RDWR)));
  EXPECT_FALSE(snapshot(init(), sys_open(init(), "/a/tasks", O_WRONLY)));
  EXPECT_FALSE(snapshot(init(), sys_open(init(), "/a/notify_on_release", O_RDONLY)));
  EXPECT_FALSE(snapshot(init(), sys_open(init(), "/a", O_RDONLY | O_DIRECTORY)));
  ASSERT_EQ(sys_umount(init(), "/a", 0), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c", 0755), 0);
  ASSERT_EQ(sys_mount(init(), "none", "/c", "cgroup", 0, "cpuset"), 0);
  // Today's kernel loads the list at the first read: not a snapshot until then.
  EXPECT_FALSE(snapshot(init(), sys_open(init(), "/c/cgroup.procs", O_RDONLY)));
  EXPECT_FALSE(snapshot(init(), sys_open(init(), "/c/cgroup.procs", O_WRONLY)));
}

// -t cgroup (cgroup_pidlist_start): the list is taken by the first read after the open,
// so a pid written on the same fd before it, or a task forked meanwhile, shows; later
// reads keep it.
TEST_F(KernelTest, UnderCgroupTheFirstReadTakesTheList) {
  mount_cgroup_with_a(init());
  long fd = sys_open(init(), "/c/a/tasks", O_RDWR);
  ASSERT_GE(fd, 0);
  task_struct& t = spawn(init());
  std::string pid = std::to_string(t.pid);
  ASSERT_EQ(sys_write(init(), static_cast<int>(fd), pid.data(), pid.size()),
            static_cast<long>(pid.size()));
  auto f = init().files->fget(static_cast<int>(fd));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(container_file_is_snapshot(**f));
  char buf[64];
  long n = sys_pread64(init(), static_cast<int>(fd), buf, sizeof buf, 0);
  ASSERT_GE(n, 0);
  EXPECT_EQ(std::string(buf, n), pids_text({t.pid}));
  EXPECT_TRUE(container_file_is_snapshot(**f));
  task_struct& later = spawn(t);
  n = sys_pread64(init(), static_cast<int>(fd), buf, sizeof buf, 0);
  ASSERT_GE(n, 0);
  EXPECT_EQ(std::string(buf, n), pids_text({t.pid}));
  EXPECT_EQ(read_file(init(), "/c/a/tasks"), pids_text({t.pid, later.pid}));
  sys_close(init(), static_cast<int>(fd));
}

// The window between a read's node_gone() check and its first-read load: a group
// removed there (it was empty, or rmdir would have failed) reads ENODEV, as if the rmdir
// had come first (the kernel's rmdir waits for a read in progress to finish, in
// kernfs_drain, and the read of a drained node fails). Called past the check, as the
// read would be at that moment; the list is not taken, so a later read fails too.
TEST_F(KernelTest, UnderCgroupAGroupRemovedBeforeTheFirstReadLoadsReadsEnodev) {
  mount_cgroup_with_a(init());
  long fd = sys_open(init(), "/c/a/tasks", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto f = init().files->fget(static_cast<int>(fd));
  ASSERT_TRUE(f.ok());
  container* cont = __d_cont((*f)->f_path.dentry->d_parent.get());
  ASSERT_EQ(sys_rmdir(init(), "/c/a"), 0);
  char buf[64];
  loff_t pos = 0;
  ErrorOr<size_t> n = container_tasks_read(cont, nullptr, **f, buf, sizeof buf, &pos);
  EXPECT_EQ(n.error(), Errno(ENODEV));
  EXPECT_FALSE(container_file_is_snapshot(**f));
  EXPECT_EQ(sys_pread64(init(), static_cast<int>(fd), buf, sizeof buf, 0), -ENODEV);
  sys_close(init(), static_cast<int>(fd));
}

// What makes a READ of it need no settle: a task forked after the open does not show.
TEST_F(KernelTest, ASnapshotKeepsItsOpenTimeContent) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  long fd = sys_open(init(), "/a/tasks", O_RDONLY);
  ASSERT_GE(fd, 0);
  task_struct& t = spawn(init());
  char buf[64];
  long n = sys_pread64(init(), static_cast<int>(fd), buf, sizeof buf, 0);
  ASSERT_GE(n, 0);
  EXPECT_EQ(std::string(buf, n), pids_text({init().pid}));
  EXPECT_EQ(read_file(init(), "/a/tasks"), pids_text({init().pid, t.pid}));
  sys_close(init(), static_cast<int>(fd));
}

}  // namespace
}  // namespace uk::testing
