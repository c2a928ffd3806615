// harness/pid_probe: what a pid is, for each kind the tracker tells apart (a fork
// still in copy_process() is held deterministically by tests/stress:race_test).
#include "harness/pid_probe.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace ukrun {
namespace {

// Both ways of reading a process: PIDFD_GET_INFO (Linux 6.13+) and /proc/<pid>/stat.
class PidProbeProcess : public ::testing::TestWithParam<bool> {};

TEST_P(PidProbeProcess, LiveChildZombieAndReaped) {
  const bool pidfd_info = GetParam();
  pid_prober p;
  p.set_use_pidfd_info(pidfd_info);
  pid_t c = fork();
  if (c == 0) {
    pause();
    _exit(0);
  }
  ASSERT_GT(c, 0);
  pid_info live = p.probe(c);
  EXPECT_EQ(live.kind, pid_info::process);
  EXPECT_EQ(live.tgid, c);
  EXPECT_EQ(live.ppid, getpid());
  EXPECT_GE(live.pidfd, 0);
  close(live.pidfd);
  kill(c, SIGKILL);
  siginfo_t si;
  ASSERT_EQ(waitid(P_PID, c, &si, WEXITED | WNOWAIT), 0);  // a zombie until reaped
  pid_info zombie = p.probe(c);
  if (zombie.kind == pid_info::process) {
    // PIDFD_GET_INFO does not tell a zombie apart; its pidfd is readable at once.
    EXPECT_TRUE(pidfd_info);
    struct pollfd pfd = {zombie.pidfd, POLLIN, 0};
    EXPECT_EQ(poll(&pfd, 1, 0), 1);
    close(zombie.pidfd);
  } else {
    EXPECT_EQ(zombie.kind, pid_info::zombie);
  }
  ASSERT_EQ(waitpid(c, nullptr, 0), c);
  EXPECT_EQ(p.probe(c).kind, pid_info::gone);
}

INSTANTIATE_TEST_SUITE_P(PidfdInfoOrProcStat, PidProbeProcess, ::testing::Bool());

TEST(PidProbe, Thread) {
  pid_prober p;
  std::atomic<pid_t> tid{0};
  std::atomic<bool> stop{false};
  std::thread th([&] {
    tid = gettid();
    while (!stop) usleep(1000);
  });
  while (tid == 0) usleep(1000);
  pid_info info = p.probe(tid);
  EXPECT_EQ(info.kind, pid_info::thread);
  EXPECT_EQ(info.tgid, getpid());
  EXPECT_EQ(info.pidfd, -1);
  stop = true;
  th.join();
}

TEST(PidProbe, NeverAllocated) {
  pid_prober p;
  // Above any pid_max (4194304 at most): never a struct pid.
  EXPECT_EQ(p.probe(4194304 + 1).kind, pid_info::gone);
}

}  // namespace
}  // namespace ukrun
