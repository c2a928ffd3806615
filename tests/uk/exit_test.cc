// do_exit while another thread is in a system call as the exiting task: what uk-run's
// FUSE and trap threads do when the process they serve dies mid-operation (the tracker
// runs do_exit on its own thread meanwhile). The call keeps the task's fs context and
// fd table: they go with the task_struct at release_task.
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "tests/uk/kernel_fixture.h"

namespace uk::testing {
namespace {

TEST_F(KernelTest, SystemCallsAsATaskKeepWorkingThroughItsExitUntilRelease) {
  task_struct& t = spawn(init());
  pid_t pid = t.pid;
  std::atomic<bool> started = false, exited = false;
  int failed = 0, after_exit = 0;
  std::thread caller([&] {
    // Before, during and (a hundred rounds) after the exit: a path walk (fs) and an
    // open and close (files).
    while (after_exit < 100) {
      bool was_exited = exited.load();
      struct stat st;
      if (sys_stat(t, "/", &st) != 0) failed++;
      long fd = sys_open(t, "/", O_RDONLY | O_DIRECTORY);
      if (fd < 0 || sys_close(t, static_cast<int>(fd)) != 0) failed++;
      started = true;
      if (was_exited) after_exit++;
    }
  });
  while (!started) std::this_thread::yield();
  k().do_exit(&t, 0);
  exited = true;
  caller.join();
  EXPECT_EQ(failed, 0);
  EXPECT_TRUE(t.zombie);
  k().release_task(&t);
  EXPECT_EQ(k().find_task_by_pid(pid), nullptr);
}

}  // namespace
}  // namespace uk::testing
