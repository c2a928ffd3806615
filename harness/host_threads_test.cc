// harness/host_threads: the host's threads as /proc lists them.
#include "harness/host_threads.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace ukrun {
namespace {

// This process's own threads are listed, each in its thread group; one busy in a loop
// is running ('R') when its stat is read.
TEST(HostThreads, ListsThisProcessesThreads) {
  std::atomic<pid_t> tid{0};
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    tid.store(static_cast<pid_t>(syscall(SYS_gettid)));
    while (!stop.load()) {
    }
  });
  while (tid.load() == 0) std::this_thread::yield();
  int err = 0;
  std::vector<uk::host_thread> host = list_host_threads("/proc", &err);
  stop.store(true);
  busy.join();
  EXPECT_EQ(err, 0);
  const uk::host_thread* self = nullptr;
  const uk::host_thread* other = nullptr;
  for (const uk::host_thread& h : host) {
    if (h.tid == getpid()) self = &h;
    if (h.tid == tid.load()) other = &h;
  }
  ASSERT_NE(self, nullptr);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(self->tgid, getpid());
  EXPECT_EQ(self->state, 'R');  // it is reading /proc
  EXPECT_EQ(other->tgid, getpid());
  EXPECT_EQ(other->state, 'R');
  EXPECT_TRUE(std::is_sorted(
      host.begin(), host.end(),
      [](const uk::host_thread& a, const uk::host_thread& b) { return a.tid < b.tid; }));
}

// A directory that is not a procfs: nothing listed, and the failure said.
TEST(HostThreads, MissingDirectorySetsTheError) {
  int err = 0;
  EXPECT_TRUE(list_host_threads("/nonexistent-proc", &err).empty());
  EXPECT_EQ(err, 0);  // ENOENT is "gone", not a failure
  EXPECT_TRUE(list_host_threads("/dev/null", &err).empty());
  EXPECT_EQ(err, ENOTDIR);
}

}  // namespace
}  // namespace ukrun
