// uk::container_file_is_snapshot: which open files are served from content taken at
// open (uk-run's shim settles its task table for such an open, not for its reads).
#include <fcntl.h>

#include <string>

#include "tests/uk/kernel_fixture.h"
#include "uk/container_files.h"
#include "vfs/fs_struct.h"

namespace uk::testing {
namespace {

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
  EXPECT_TRUE(snapshot(init(), sys_open(init(), "/c/cgroup.procs", O_RDONLY)));
  EXPECT_FALSE(snapshot(init(), sys_open(init(), "/c/cgroup.procs", O_WRONLY)));
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
