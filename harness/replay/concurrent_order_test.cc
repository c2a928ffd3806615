// The trace's order is the kernel's (trace_recorder.h): two threads of two tasks make
// and remove containers and attach into them at once, many rounds, and the trace
// replays under --verify with every result, nested attach and input matched. Entries
// written in the order they ended would replay an open before the mkdir it found, or
// an attach before the rmdir it raced.
#include <fcntl.h>

#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "harness/replay/trace_testing.h"
#include "vfs/syscalls.h"

namespace ukrun {
namespace {

constexpr int kRounds = 400;
constexpr int kDirs = 3;

std::string dir(int i) { return absl::StrCat("/c/d", i % kDirs); }

// Writes "PID\n" to `path` as `t`: open, write, close; the write's result.
long echo_pid(uk::task_struct& t, const std::string& path) {
  long fd = uk::sys_open(t, path.c_str(), O_WRONLY, 0);
  if (fd < 0) return fd;
  std::string pid = absl::StrCat(t.pid, "\n");
  long n = uk::sys_write(t, static_cast<int>(fd), pid.data(), pid.size());
  uk::sys_close(t, static_cast<int>(fd));
  return n;
}

// Reads `path` whole as `t` (a tasks file: its open takes the member list).
void cat(uk::task_struct& t, const std::string& path) {
  long fd = uk::sys_open(t, path.c_str(), O_RDONLY, 0);
  if (fd < 0) return;
  char buf[256];
  uk::sys_read(t, static_cast<int>(fd), buf, sizeof buf);
  uk::sys_close(t, static_cast<int>(fd));
}

struct outcomes {
  int ok = 0, failed = 0;
  void count(long r) { (r >= 0 ? ok : failed)++; }
};

std::string record_race(outcomes* maker_out, outcomes* mover_out) {
  return record_session(
      [&](uk::kernel& k) {
        uk::task_struct& init = *k.init_task();
        EXPECT_EQ(uk::sys_mkdir(init, "/c", 0755), 0);
        EXPECT_EQ(uk::sys_mount(init, "none", "/c", "container", 0, "cpu"), 0);
        auto maker = k.do_fork(&init, 0, 100);
        auto mover = k.do_fork(&init, 0, 200);
        ASSERT_TRUE(maker.ok() && mover.ok());
        uk::task_struct& a = *maker.value();
        uk::task_struct& b = *mover.value();
        // The maker makes a container, moves itself in and out, and removes the one
        // made before (EBUSY while the mover is in it); the mover moves into whichever
        // exists, lists it, and goes back to the root.
        std::thread t1([&] {
          for (int i = 0; i < kRounds; i++) {
            maker_out->count(uk::sys_mkdir(a, dir(i).c_str(), 0755));
            maker_out->count(echo_pid(a, dir(i) + "/tasks"));
            maker_out->count(echo_pid(a, "/c/tasks"));
            maker_out->count(uk::sys_rmdir(a, dir(i + kDirs - 1).c_str()));
          }
        });
        std::thread t2([&] {
          for (int i = 0; i < kRounds; i++) {
            mover_out->count(echo_pid(b, dir(i * 7) + "/tasks"));
            cat(b, dir(i * 7) + "/tasks");
            mover_out->count(echo_pid(b, "/c/tasks"));
          }
        });
        t1.join();
        t2.join();
      },
      1'000'000'000);
}

TEST(ConcurrentOrder, RacingMkdirRmdirAndAttachReplayExactly) {
  outcomes maker, mover;
  std::string trace = record_race(&maker, &mover);
  std::vector<absl::string_view> lines = absl::StrSplit(trace, '\n', absl::SkipEmpty());
  // seq is the line's place in the file.
  for (size_t i = 0; i < lines.size(); i++) {
    ASSERT_TRUE(absl::StartsWith(lines[i], absl::StrCat("{\"seq\":", i, ","))) << lines[i];
  }
  // Every call is in the trace: at least a line each, beside the header and the boot.
  EXPECT_GE(lines.size(), static_cast<size_t>(maker.ok + maker.failed + mover.ok + mover.failed));
  for (const divergence& d : verify_trace(trace)) {
    std::string context;
    for (size_t i = d.line > 40 ? d.line - 40 : 0; i < d.line && i < lines.size(); i++) {
      absl::StrAppend(&context, lines[i], "\n");
    }
    ADD_FAILURE() << "seq " << d.seq << " (line " << d.line << "): " << d.what << ": recorded "
                  << d.recorded << ", replayed " << d.replayed << " after\n"
                  << context;
  }
  std::cout << "maker ok " << maker.ok << " failed " << maker.failed << "; mover ok " << mover.ok
            << " failed " << mover.failed << "; " << lines.size() << " lines\n";
}

// A close (a FUSE RELEASE, served on another thread) is placed where it ended, so the
// trace can show it after the open that reused its fd number: the replay closes the
// older file and writes to the newer, as the run did (tests/e2e:taskset_test replayed
// "0" into cpus and then failed the attach with ENOSPC before).
TEST(ConcurrentOrder, ACloseAfterTheOpenThatReusedItsNumberClosesTheOlderFile) {
  std::string trace = record_session(
      [](uk::kernel& k) {
        uk::task_struct& t = *k.init_task();
        ASSERT_EQ(uk::sys_mkdir(t, "/cs", 0755), 0);
        ASSERT_EQ(uk::sys_mount(t, "none", "/cs", "container", 0, "cpuset"), 0);
        ASSERT_EQ(uk::sys_mkdir(t, "/cs/t", 0755), 0);
        for (const char* f : {"/cs/t/cpus", "/cs/t/mems"}) {
          long fd = uk::sys_open(t, f, O_WRONLY, 0);
          ASSERT_GE(fd, 0);
          ASSERT_EQ(uk::sys_write(t, static_cast<int>(fd), "0\n", 2), 2);
          ASSERT_EQ(uk::sys_close(t, static_cast<int>(fd)), 0);
        }
        long fd = uk::sys_open(t, "/cs/t/tasks", O_WRONLY, 0);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(uk::sys_write(t, static_cast<int>(fd), "1\n", 2), 2);
      },
      1);
  std::vector<std::string> lines = absl::StrSplit(trace, '\n', absl::SkipEmpty());
  // cpus: open, write, close; mems: open (the same number), write.
  size_t close_at = 0, open_at = 0;
  for (size_t i = 0; i < lines.size() && open_at == 0; i++) {
    if (close_at == 0 && absl::StrContains(lines[i], "\"kind\":\"close\"")) close_at = i;
    if (close_at != 0 && absl::StrContains(lines[i], "/cs/t/mems") &&
        absl::StrContains(lines[i], "\"kind\":\"open\"")) {
      open_at = i;
    }
  }
  ASSERT_NE(open_at, 0u) << trace;
  std::string close = lines[close_at];
  lines.erase(lines.begin() + static_cast<long>(close_at));
  lines.insert(lines.begin() + static_cast<long>(open_at), close);  // just after the open
  std::vector<divergence> d = verify_trace(absl::StrJoin(lines, "\n"));
  EXPECT_TRUE(d.empty()) << "seq " << d[0].seq << ": " << d[0].what;
}

}  // namespace
}  // namespace ukrun
