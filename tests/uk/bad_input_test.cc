// Garbage, huge, empty and negative input to every core write handler and to the
// mount option parser: each gets the kernel's errno (or its documented lenient
// result), nothing crashes, and nothing is lost.
#include <sys/mount.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/uk/kernel_fixture.h"

namespace uk::testing {
namespace {

using BadInputTest = KernelTest;

struct write_case {
  std::string file;
  std::string data;
  long expected;      // bytes written, or -errno
  std::string after;  // the file's contents afterwards ("" = not checked)
};

TEST_F(BadInputTest, CoreFilesRejectOrTolerateGarbage) {
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  const std::string mib(1 << 20, '7');
  const std::string nul_in_middle("1\0garbage", 9);
  const std::vector<write_case> cases = {
      // tasks: sscanf("%d") semantics.
      {"/a/c/tasks", "", -EIO, ""},
      {"/a/c/tasks", " \t\n", -EIO, ""},
      {"/a/c/tasks", "-1", -ESRCH, ""},
      {"/a/c/tasks", "-2147483648", -ESRCH, ""},
      {"/a/c/tasks", "99999999999999999999", -ESRCH, ""},
      {"/a/c/tasks", "\xff\xfe", -EIO, ""},
      {"/a/c/tasks", mib, -E2BIG, ""},
      {"/a/c/tasks", std::string(4095, ' '), -EIO, ""},
      {"/a/c/tasks",
       std::string("\0"
                   "1",
                   2),
       -EIO, ""},
      // notify_on_release: simple_strtoul(buf) != 0; junk means 0.
      {"/a/c/notify_on_release", "", 0, "0\n"},
      {"/a/c/notify_on_release", "-1", 2, "0\n"},
      {"/a/c/notify_on_release", "18446744073709551616", 20, "0\n"},
      {"/a/c/notify_on_release", nul_in_middle, 9, "1\n"},
      {"/a/c/notify_on_release", mib, -E2BIG, "1\n"},
      {"/a/c/notify_on_release", "zzz", 3, "0\n"},
      // releasable: read-only.
      {"/a/c/releasable", "1", -EINVAL, "0\n"},
      {"/a/c/releasable", "", -EINVAL, "0\n"},
      // release_agent: stored verbatim up to a NUL, one newline stripped.
      {"/a/release_agent", "", 0, "\n"},
      {"/a/release_agent", "/x\n\n", 4, "/x\n\n"},
      {"/a/release_agent", std::string("/y\0z", 4), 4, "/y\n"},
      {"/a/release_agent", std::string(4095, 'a'), 4095, std::string(4095, 'a') + "\n"},
      {"/a/release_agent", std::string(4096, 'b'), -E2BIG, std::string(4095, 'a') + "\n"},
      {"/a/release_agent", mib, -E2BIG, ""},
      // write_uint (the recording subsystem's value file).
      {"/a/c/cpuset_value", "", -EINVAL, "0\n"},
      {"/a/c/cpuset_value", "-5", -EINVAL, "0\n"},
      {"/a/c/cpuset_value", "0x", -EINVAL, "0\n"},
      {"/a/c/cpuset_value", "18446744073709551615", 20, "18446744073709551615\n"},
      {"/a/c/cpuset_value", mib, -E2BIG, "18446744073709551615\n"},
      {"/a/c/cpuset_value", "\n", 1, "0\n"},
  };
  for (const write_case& c : cases) {
    EXPECT_EQ(write_file(init(), c.file, c.data), c.expected)
        << c.file << " <- " << c.data.substr(0, 32);
    if (!c.after.empty()) {
      EXPECT_EQ(read_file(init(), c.file), c.after) << c.file;
    }
  }
  // Nothing was lost: the container and its files are intact.
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), "");
  EXPECT_EQ(sys_rmdir(init(), "/a/c"), 0);
}

TEST_F(BadInputTest, WritesAtNonZeroOffsetsAreParsedFromTheBuffer) {
  // The kernel's control files ignore the file position for writes.
  ASSERT_EQ(mount("/a", "cpuset"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/a/c", 0755), 0);
  task_struct& t = spawn(init());
  std::string pid = std::to_string(t.pid);
  long fd = sys_open(init(), "/a/c/tasks", O_WRONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(sys_pwrite64(init(), fd, pid.data(), pid.size(), 100), static_cast<long>(pid.size()));
  sys_close(init(), fd);
  EXPECT_EQ(read_file(init(), "/a/c/tasks"), pids_text({t.pid}));
}

struct option_case {
  const char* data;
  long expected;
};

TEST_F(BadInputTest, MountOptionParser) {
  const std::string huge_unknown(1 << 20, 'x');
  const std::string huge_agent = "cpuset,release_agent=" + std::string(1 << 20, '/');
  const std::vector<option_case> cases = {
      {"", -EINVAL},
      {",", -EINVAL},
      {",cpuset", -EINVAL},
      {"cpuset,,", -EINVAL},
      {"noprefix,noprefix", -EINVAL},
      {"release_agent=/x", -EINVAL},      // no subsystem
      {"cpuset,release_agent", -ENOENT},  // not the option without '='
      {"cpuset ", -ENOENT},
      {" cpuset", -ENOENT},
      {"cpuset\n", -ENOENT},
      {"-1", -ENOENT},
      {"\xff", -ENOENT},
      {huge_unknown.c_str(), -ENOENT},
  };
  for (const option_case& c : cases) {
    EXPECT_EQ(mount("/m", c.data), c.expected) << std::string(c.data).substr(0, 32);
  }
  // mount(2) copies one page of options, NUL-terminated (copy_mount_options), so a
  // huge release agent keeps the first 4095 - 21 bytes after "cpuset,release_agent=".
  ASSERT_EQ(mount("/m", huge_agent.c_str()), 0);
  EXPECT_EQ(read_file(init(), "/m/release_agent"), std::string(4095 - 21, '/') + "\n");
  // Repeated subsystems are just one bit.
  ASSERT_EQ(sys_umount(init(), "/m", 0), 0);
  EXPECT_EQ(mount("/m", "cpuset,cpuset,all"), 0);
}

}  // namespace
}  // namespace uk::testing
