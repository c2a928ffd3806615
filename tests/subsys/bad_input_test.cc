// Garbage, huge, empty and negative input to every subsystem file: the kernel's errno
// or its documented lenient result, never a crash, and the old value kept on error.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"

namespace uk::testing {
namespace {

class SubsysBadInputTest : public SubsysTest {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    ASSERT_EQ(mount("/cs", "cpuset"), 0);
    ASSERT_EQ(mount("/cpu", "cpu,cpuacct,debug"), 0);
    make_cpuset("/cs/a", "1-2", "0");
    ASSERT_EQ(mkdir("/cpu/a"), 0);
  }
};

struct bad_write {
  std::string file, data;
  long expected;      // bytes, or -errno
  std::string after;  // contents afterwards
};

TEST_F(SubsysBadInputTest, ListsFlagsAndUintFiles) {
  const std::string mib(1 << 20, '1');
  const std::vector<bad_write> cases = {
      // cpu and node lists (bitmap_parselist): the old value stays on error.
      {"/cs/a/cpus", "-1", -EINVAL, "1-2\n"},
      {"/cs/a/cpus", "1--2", -EINVAL, "1-2\n"},
      {"/cs/a/cpus", "1,,2", -EINVAL, "1-2\n"},
      {"/cs/a/cpus", ",", -EINVAL, "1-2\n"},
      {"/cs/a/cpus", "0x1", -EINVAL, "1-2\n"},
      {"/cs/a/cpus", "99999999999999999999", -ERANGE, "1-2\n"},
      {"/cs/a/cpus", "\xff", -EINVAL, "1-2\n"},
      {"/cs/a/cpus", mib, -E2BIG, "1-2\n"},
      // The kernel parses its copy as a C string: an embedded NUL ends the list.
      {"/cs/a/cpus",
       std::string("1\0"
                   "2",
                   3),
       3, "1\n"},
      {"/cs/a/mems", "0-", -EINVAL, "0\n"},
      {"/cs/a/mems", "a", -EINVAL, "0\n"},
      {"/cs/a/mems", mib, -E2BIG, "0\n"},
      // Flags: simple_strtoul(buf) != 0, garbage is 0 (2.6.24).
      {"/cs/a/memory_migrate", "-1", 2, "0\n"},
      {"/cs/a/memory_migrate", "\xff", 1, "0\n"},
      {"/cs/a/memory_spread_page", "7", 1, "1\n"},
      {"/cs/a/memory_spread_page", "", 0, "0\n"},
      {"/cs/a/sched_load_balance", mib, -E2BIG, "1\n"},
      {"/cs/a/memory_pressure", "0", -EACCES, "0\n"},
      // write_uint files.
      {"/cpu/a/shares", "", -EINVAL, "1024\n"},
      {"/cpu/a/shares", "-1", -EINVAL, "1024\n"},
      {"/cpu/a/shares", "1 2", -EINVAL, "1024\n"},
      {"/cpu/a/shares", mib, -E2BIG, "1024\n"},
      {"/cpu/a/shares", "0", 1, "2\n"},
      {"/cpu/a/usage", "0", -EINVAL, ""},
      {"/cpu/a/taskcount", "1", -EINVAL, ""},
      {"/cpu/a/container_refcount", mib, -EINVAL, ""},
  };
  for (const bad_write& c : cases) {
    EXPECT_EQ(write(c.file, c.data), c.expected) << c.file << " <- " << c.data.substr(0, 24);
    if (!c.after.empty()) {
      EXPECT_EQ(read(c.file), c.after) << c.file;
    }
  }
}

}  // namespace
}  // namespace uk::testing
