// A GoogleTest binary run under uk-run: every test sees the mounted hierarchy and
// the process's own containers; with shard_count = 2 each shard is its own uk-run.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string mounts() { return std::getenv("UK_MOUNTS") ? std::getenv("UK_MOUNTS") : ""; }

TEST(UnderUkRun, ProcSelfContainerShowsTheHierarchy) {
  EXPECT_EQ(slurp("/proc/self/container"), "cpu:/\n");
}

TEST(UnderUkRun, MakeAContainerAndMoveIn) {
  std::string dir = mounts() + "/cpu/t" + std::to_string(getpid());
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  {
    std::ofstream tasks(dir + "/tasks");
    tasks << getpid() << "\n";
  }
  EXPECT_EQ(slurp("/proc/self/container"), "cpu:/t" + std::to_string(getpid()) + "\n");
  EXPECT_EQ(slurp(dir + "/tasks"), std::to_string(getpid()) + "\n");
}

TEST(UnderUkRun, TasksWriteErrorsAreTheKernels) {
  std::string tasks = mounts() + "/cpu/tasks";
  int fd = open(tasks.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(write(fd, "abc", 3), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(write(fd, "999999", 6), -1);
  EXPECT_EQ(errno, ESRCH);
  close(fd);
}

}  // namespace
