#include "harness/cgroup_root.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace ukrun {
namespace {

std::vector<bool> covered(const std::string& table, mount_table t) {
  std::vector<absl::string_view> lines = absl::StrSplit(table, '\n', absl::SkipEmpty());
  return covered_by_cgroup_root(lines, t);
}

// A hybrid host's table as uk-run's tree sees it: the host's tmpfs and hierarchies,
// uk-run's tmpfs over them, then a uk hierarchy and a tmpfs of the tree's own below it.
TEST(CoveredByCgroupRoot, Mounts) {
  const std::string table =
      "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
      "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n"
      "cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0\n"
      "tmpfs /sys/fs/cgroupx tmpfs rw,relatime 0 0\n"
      "uk-run /sys/fs/cgroup tmpfs rw,nosuid,nodev,noexec,relatime,mode=755 0 0\n"
      "cgroup /sys/fs/cgroup/cpuset fuse.container rw,nosuid,nodev,relatime 0 0\n"
      "none /sys/fs/cgroup/mine tmpfs rw,relatime 0 0\n";
  EXPECT_EQ(covered(table, mount_table::mounts),
            (std::vector<bool>{false, true, true, true, false, false, false, false}));
}

TEST(CoveredByCgroupRoot, Mountinfo) {
  const std::string table =
      "24 1 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
      "30 24 0:26 / /sys/fs/cgroup rw shared:9 - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
      "90 30 0:50 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs uk-run rw,mode=755\n"
      "91 90 0:51 / /sys/fs/cgroup/pids rw - fuse.container cgroup rw\n";
  EXPECT_EQ(covered(table, mount_table::mountinfo),
            (std::vector<bool>{false, true, true, false, false}));
}

TEST(CoveredByCgroupRoot, Mountstats) {
  const std::string table =
      "device sysfs mounted on /sys with fstype sysfs\n"
      "device tmpfs mounted on /sys/fs/cgroup with fstype tmpfs\n"
      "device cgroup mounted on /sys/fs/cgroup/cpuset with fstype cgroup\n"
      "device uk-run mounted on /sys/fs/cgroup with fstype tmpfs\n"
      "device cgroup mounted on /sys/fs/cgroup/pids with fstype fuse.container\n";
  EXPECT_EQ(covered(table, mount_table::mountstats),
            (std::vector<bool>{false, true, true, false, false}));
}

// Without uk-run's tmpfs (a host without /sys/fs/cgroup, or a table of another
// namespace) nothing is covered.
TEST(CoveredByCgroupRoot, NoTmpfs) {
  const std::string table =
      "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
      "cgroup /sys/fs/cgroup/cpuset cgroup rw,cpuset 0 0\n";
  EXPECT_EQ(covered(table, mount_table::mounts), (std::vector<bool>{false, false}));
}

}  // namespace
}  // namespace ukrun
