// The kernel's clocks (vfs/clock.h): inode times and task start times come from the
// clock the kernel was booted with, never from the host.
#include "vfs/clock.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "tests/uk/kernel_fixture.h"

namespace uk::testing {
namespace {

class ClockTest : public KernelTest {
 protected:
  void SetUp() override {
    clock_.realtime = 1'700'000'000'123'456'789ull;
    clock_.monotonic = 5'000;
    kernel_config cfg;
    cfg.topo = topology(cpumask_t(1), nodemask_t(1));
    cfg.clock = &clock_;
    k_ = std::make_unique<kernel>(recording_registry(), cfg);
  }
  struct timespec mtime(const char* path) {
    struct stat st {};
    EXPECT_EQ(sys_stat(init(), path, &st), 0) << path;
    return st.st_mtim;
  }
  struct timespec ctime(const char* path) {
    struct stat st {};
    EXPECT_EQ(sys_stat(init(), path, &st), 0) << path;
    return st.st_ctim;
  }

  fixed_clock clock_;
};

TEST_F(ClockTest, ContainerProcAndRamfsInodesAreDatedByTheKernelsClock) {
  EXPECT_EQ(init().start_time_ns, 5'000u);
  ASSERT_EQ(mount("/c", "cpuset"), 0);
  clock_.realtime = 1'700'000'100'000'000'007ull;
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  EXPECT_EQ(mtime("/c/a").tv_sec, 1'700'000'100);
  EXPECT_EQ(mtime("/c/a").tv_nsec, 7);
  EXPECT_EQ(mtime("/c/a/tasks").tv_sec, 1'700'000'100);
  // /proc's inodes are made at lookup.
  clock_.realtime = 1'700'000'200'000'000'000ull;
  EXPECT_EQ(mtime("/proc/containers").tv_sec, 1'700'000'200);
  // ramfs: a new file, then a write and a chmod move its times.
  ASSERT_EQ(sys_mkdir(init(), "/r", 0755), 0);
  EXPECT_EQ(mtime("/r").tv_sec, 1'700'000'200);
  clock_.realtime = 1'700'000'300'000'000'000ull;
  long fd = sys_open(init(), "/r/f", O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(sys_write(init(), fd, "x", 1), 1);
  ASSERT_EQ(sys_close(init(), fd), 0);
  EXPECT_EQ(mtime("/r/f").tv_sec, 1'700'000'300);
  EXPECT_EQ(mtime("/r").tv_sec, 1'700'000'300);  // a new entry
  clock_.realtime = 1'700'000'400'000'000'000ull;
  ASSERT_EQ(sys_chmod(init(), "/r/f", 0600), 0);
  EXPECT_EQ(ctime("/r/f").tv_sec, 1'700'000'400);
  EXPECT_EQ(mtime("/r/f").tv_sec, 1'700'000'300);
  // A task's start time.
  clock_.monotonic = 9'000;
  EXPECT_EQ(spawn(init()).start_time_ns, 9'000u);
}

// Without a clock the kernel's time stands at 0: nothing of the host leaks in.
TEST(ClocklessKernel, TimeStandsAtZero) {
  kernel_config cfg;
  cfg.topo = topology(cpumask_t(1), nodemask_t(1));
  kernel k(recording_registry(), cfg);
  ASSERT_EQ(sys_mkdir(*k.init_task(), "/r", 0755), 0);
  struct stat st {};
  ASSERT_EQ(sys_stat(*k.init_task(), "/r", &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 0);
  EXPECT_EQ(st.st_mtim.tv_nsec, 0);
  EXPECT_EQ(k.init_task()->start_time_ns, 0u);
}

}  // namespace
}  // namespace uk::testing
