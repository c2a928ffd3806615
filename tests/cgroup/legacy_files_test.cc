// Today's v1 files of the pids and freezer subsystems that the patch never had (the
// cgroup flavour's pids_files_legacy[] and legacy_freezer.c files[]), and poll(2) of a
// control file (kernfs_generic_poll), which pids.events notifies. The answers are the
// kernel source's (kernel/cgroup/pids.c, legacy_freezer.c, fs/kernfs/file.c); the
// conformance table's poll_and_removal case compares poll with the host.
#include <fcntl.h>
#include <poll.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cgroup/v1_kernel.h"
#include "tests/util/file_helpers.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/poll.h"
#include "vfs/syscalls.h"

namespace uk::testing {
namespace {

using ::testing::Contains;
using ::testing::IsSupersetOf;
using ::testing::Not;

using LegacyFilesTest = V1KernelTest;

// freezer.self_freezing: the group was written FROZEN; freezer.parent_freezing: an
// ancestor freezes (CGROUP_FREEZING_PARENT, given at creation under a freezing parent
// too). Neither on the root; neither in the patch's flavour.
TEST_F(LegacyFilesTest, FreezerSaysWhoFreezes) {
  ASSERT_EQ(mount("/f", "freezer"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/f/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/f/a/b", 0755), 0);
  EXPECT_THAT(ls(init(), "/f/a"),
              IsSupersetOf({"freezer.parent_freezing", "freezer.self_freezing", "freezer.state"}));
  EXPECT_THAT(ls(init(), "/f"), Not(Contains("freezer.self_freezing")));
  auto flags = [this](const std::string& g) {
    return read(g + "/freezer.self_freezing") + read(g + "/freezer.parent_freezing");
  };
  EXPECT_EQ(flags("/f/a"), "0\n0\n");
  ASSERT_EQ(write("/f/a/freezer.state", "FROZEN"), 6);
  EXPECT_EQ(flags("/f/a"), "1\n0\n");
  EXPECT_EQ(flags("/f/a/b"), "0\n1\n");
  ASSERT_EQ(sys_mkdir(init(), "/f/a/c", 0755), 0);
  EXPECT_EQ(flags("/f/a/c"), "0\n1\n");
  ASSERT_EQ(write("/f/a/b/freezer.state", "FROZEN"), 6);
  ASSERT_EQ(write("/f/a/freezer.state", "THAWED"), 6);
  EXPECT_EQ(flags("/f/a"), "0\n0\n");
  EXPECT_EQ(flags("/f/a/b"), "1\n0\n");
  EXPECT_EQ(flags("/f/a/c"), "0\n0\n");
  // read_u64 alone: no write handler (cgroup_file_write's EINVAL).
  EXPECT_EQ(write("/f/a/freezer.self_freezing", "1"), -EINVAL);
}

// A kernfs file is a seq_file (vfs/seq_file.h): a reader with a small buffer reads one
// text, made at its read from offset 0, however the value changes meanwhile; a read
// anywhere but where the last one ended makes it again. The patch's handlers format a
// fresh text at every read (the conformance case seq_reads compares with the host).
TEST_F(LegacyFilesTest, SmallReadsReadOneText) {
  ASSERT_EQ(mount("/c", "cpu"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  auto pieces = [this](const std::string& file) {
    EXPECT_EQ(write(file, "1024"), 4);
    long fd = sys_open(init(), file.c_str(), O_RDONLY);
    char buf[16];
    std::string text(buf, sys_read(init(), fd, buf, 2));
    EXPECT_EQ(write(file, "2048"), 4);
    text.append(buf, sys_read(init(), fd, buf, sizeof buf));
    text += "|" + std::string(buf, sys_pread64(init(), fd, buf, sizeof buf, 1));
    sys_close(init(), fd);
    return text;
  };
  EXPECT_EQ(pieces("/c/a/cpu.shares"), "1024\n|048\n");
  ASSERT_EQ(sys_rmdir(init(), "/c/a"), 0);
  ASSERT_EQ(sys_umount(init(), "/c", 0), 0);  // the hierarchy goes, and cpu with it
  ASSERT_EQ(mount("/v", "cpu", "container"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a", 0755), 0);
  EXPECT_EQ(pieces("/v/a/shares"), "1048\n|048\n");
}

TEST_F(LegacyFilesTest, ThePatchsFreezerHasStateOnly) {
  ASSERT_EQ(mount("/v", "freezer", "container"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a", 0755), 0);
  EXPECT_THAT(ls(init(), "/v/a"), Contains("state"));
  EXPECT_THAT(ls(init(), "/v/a"), Not(Contains("self_freezing")));
}

// pids.peak is the kernel's tally of pids.current (pids_update_watermark): at each
// fork the levels pids_try_charge passes, the ones below a refusing limit included,
// and at each attach, where the task counts in its old and new groups for an instant.
TEST_F(LegacyFilesTest, PidsPeakFollowsTheKernelsTally) {
  ASSERT_EQ(mount("/p", "pids"), 0);
  for (const char* g : {"/p/a", "/p/a/b", "/p/a/c"}) ASSERT_EQ(sys_mkdir(init(), g, 0755), 0);
  EXPECT_THAT(ls(init(), "/p/a"),
              IsSupersetOf({"pids.current", "pids.events", "pids.max", "pids.peak"}));
  EXPECT_THAT(ls(init(), "/p"), Not(Contains("pids.peak")));
  EXPECT_EQ(read("/p/a/pids.peak"), "0\n");
  task_struct& t = spawn(init());
  move(t, "/p/a/b");
  EXPECT_EQ(read("/p/a/b/pids.peak"), "1\n");
  EXPECT_EQ(read("/p/a/pids.peak"), "1\n");
  task_struct& child = spawn(t);
  EXPECT_EQ(read("/p/a/b/pids.peak"), "2\n");
  k_->do_exit(&child, 0);
  k_->release_task(&child);
  EXPECT_EQ(read("/p/a/b/pids.current"), "1\n");
  EXPECT_EQ(read("/p/a/b/pids.peak"), "2\n");
  // Between siblings: /p/a counts the task twice for the instant of the move.
  move(t, "/p/a/c");
  EXPECT_EQ(read("/p/a/c/pids.peak"), "1\n");
  EXPECT_EQ(read("/p/a/pids.current"), "1\n");
  EXPECT_EQ(read("/p/a/pids.peak"), "2\n");
  // A fork refused at /p/a was charged to /p/a/c first: c's peak counts it.
  ASSERT_EQ(write("/p/a/pids.max", "1"), 1);
  ASSERT_EQ(sys_mkdir(init(), "/p/a/c/d", 0755), 0);
  move(t, "/p/a/c/d");
  EXPECT_EQ(read("/p/a/c/d/pids.peak"), "1\n");
  EXPECT_FALSE(k_->do_fork(&t, 0).ok());
  EXPECT_EQ(read("/p/a/c/d/pids.current"), "1\n");
  EXPECT_EQ(read("/p/a/c/d/pids.peak"), "2\n");
  EXPECT_EQ(read("/p/a/pids.peak"), "2\n");
}

// pids.events counts the forks refused in its group, whichever ancestor refused them,
// and a poller waiting on it is woken; pids.max takes 0..PID_MAX_LIMIT.
TEST_F(LegacyFilesTest, PidsEventsCountsRefusalsAndWakesPollers) {
  ASSERT_EQ(mount("/p", "pids"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/p/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/p/a/b", 0755), 0);
  task_struct& t = spawn(init());
  move(t, "/p/a/b");
  long fd = sys_open(init(), "/p/a/b/pids.events", O_RDONLY);
  ASSERT_GE(fd, 0);
  int ev = static_cast<int>(fd);
  constexpr long kChanged = DEFAULT_POLLMASK | POLLERR | POLLPRI;
  EXPECT_EQ(sys_pollfd(init(), ev), kChanged);  // not read yet
  char buf[64];
  EXPECT_EQ(sys_pread64(init(), ev, buf, sizeof buf, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "max 0\n");
  std::atomic<int> woken{0};
  poll_table wait{[&woken] { woken++; }};
  EXPECT_EQ(sys_pollfd(init(), ev, &wait), static_cast<long>(DEFAULT_POLLMASK));

  ASSERT_EQ(write("/p/a/pids.max", "1"), 1);
  EXPECT_FALSE(k_->do_fork(&t, 0).ok());
  EXPECT_EQ(woken.load(), 1);
  EXPECT_EQ(read("/p/a/b/pids.events"), "max 1\n");
  EXPECT_EQ(read("/p/a/pids.events"), "max 0\n");
  EXPECT_EQ(sys_pollfd(init(), ev), kChanged);
  EXPECT_EQ(sys_pread64(init(), ev, buf, sizeof buf, 0), 6);
  EXPECT_EQ(sys_pollfd(init(), ev), static_cast<long>(DEFAULT_POLLMASK));
  // The waiter was one-shot: a second refusal wakes nobody who did not wait again.
  EXPECT_FALSE(k_->do_fork(&t, 0).ok());
  EXPECT_EQ(woken.load(), 1);
  EXPECT_EQ(sys_close(init(), ev), 0);

  EXPECT_EQ(write("/p/a/pids.max", "4194304"), 7);
  EXPECT_EQ(read("/p/a/pids.max"), "4194304\n");
  EXPECT_EQ(write("/p/a/pids.max", "4194305"), -EINVAL);
  EXPECT_EQ(read("/p/a/pids.max"), "4194304\n");
}

// The patch's files have no ->poll (DEFAULT_POLLMASK, read or not), and a removed
// group's files still read; kernfs's say ENODEV.
TEST_F(LegacyFilesTest, PollAndRemovalByFlavour) {
  ASSERT_EQ(mount("/v", "cpu", "container"), 0);
  ASSERT_EQ(mount("/n", "none,name=n"), 0);
  for (const char* top : {"/v", "/n"}) {
    std::string g = std::string(top) + "/a";
    ASSERT_EQ(sys_mkdir(init(), g.c_str(), 0755), 0);
    long fd = sys_open(init(), (g + "/notify_on_release").c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    bool kernfs = std::string(top) == "/n";
    long fresh = DEFAULT_POLLMASK | (kernfs ? POLLERR | POLLPRI : 0);
    EXPECT_EQ(sys_pollfd(init(), static_cast<int>(fd)), fresh) << top;
    ASSERT_EQ(sys_rmdir(init(), g.c_str()), 0);
    char buf[8];
    EXPECT_EQ(sys_pread64(init(), static_cast<int>(fd), buf, sizeof buf, 0), kernfs ? -ENODEV : 2)
        << top;
    EXPECT_EQ(sys_pwrite64(init(), static_cast<int>(fd), "1", 1, 0), -ENODEV) << top;
    EXPECT_EQ(sys_pollfd(init(), static_cast<int>(fd)), fresh) << top;
    EXPECT_EQ(sys_close(init(), static_cast<int>(fd)), 0);
  }
}

// A pid whose task has exited: today's __cgroup1_procs_write finds a zombie until the
// reap, and cgroup_migrate_add_task skips an exiting task (the write succeeds, nothing
// moves; the live threads of a process whose leader exited move with cgroup.procs);
// 2.6.24's attach_task_by_pid said ESRCH. After the reap, ESRCH in both. The
// conformance table's move_exiting case compares the zombie's answers with the host.
TEST_F(LegacyFilesTest, AnExitedTasksPidByFlavour) {
  ASSERT_EQ(mount("/v", "cpu", "container"), 0);
  ASSERT_EQ(mount("/n", "none,name=n"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/n/a", 0755), 0);
  task_struct& leader = spawn(init());
  auto thread = k_->do_fork(&leader, CLONE_THREAD);
  ASSERT_TRUE(thread.ok());
  std::string pid = std::to_string(leader.pid);
  std::string tid = std::to_string(thread.value()->pid);
  k_->do_exit(&leader, 0);
  EXPECT_EQ(write("/v/a/tasks", pid), -ESRCH);
  EXPECT_EQ(write("/n/a/tasks", pid), static_cast<long>(pid.size()));
  EXPECT_EQ(read("/n/a/tasks"), "");
  EXPECT_EQ(write("/n/a/cgroup.procs", pid), static_cast<long>(pid.size()));
  EXPECT_EQ(read("/n/a/tasks"), tid + "\n");
  k_->do_exit(thread.value(), 0);
  k_->release_task(thread.value());
  k_->release_task(&leader);
  EXPECT_EQ(write("/v/a/tasks", pid), -ESRCH);
  EXPECT_EQ(write("/n/a/cgroup.procs", pid), -ESRCH);
}

}  // namespace
}  // namespace uk::testing
