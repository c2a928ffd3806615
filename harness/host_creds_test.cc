// A thread's ids from /proc/<tid>/status (host_creds.h).
#include "harness/host_creds.h"

#include <sys/fsuid.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace ukrun {
namespace {

TEST(HostCreds, ParsesTheUidGidAndGroupsLines) {
  std::string status =
      "Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t7\nPid:\t7\n"
      "Uid:\t1000\t1001\t1002\t1003\nGid:\t50\t51\t52\t53\nFDSize:\t64\n"
      "Groups:\t27 4 100 \nNStgid:\t7\n";
  std::optional<uk::task_creds> c = parse_status_creds(status);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(*c, (uk::task_creds{1000, 1001, 1002, 1003, 50, 51, 52, 53, {4, 27, 100}}));
}

TEST(HostCreds, NoSupplementaryGroups) {
  std::optional<uk::task_creds> c = parse_status_creds(
      "Name:\tsh\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\nNStgid:\t7\n");
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->groups.empty());
}

TEST(HostCreds, MissingOrMalformedLinesAreNoAnswer) {
  EXPECT_FALSE(parse_status_creds("Name:\tsh\nGid:\t0\t0\t0\t0\nGroups:\t\n").has_value());
  EXPECT_FALSE(
      parse_status_creds("Name:\tsh\nUid:\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n").has_value());
  EXPECT_FALSE(
      parse_status_creds("Name:\tsh\nUid:\t0\t0\tx\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n").has_value());
  EXPECT_FALSE(parse_status_creds("Name:\tsh\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n").has_value());
  EXPECT_FALSE(parse_status_creds("Name:\tsh\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t4 x\n")
                   .has_value());
}

TEST(HostCreds, ReadsThisThreadsIds) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  ASSERT_EQ(getresuid(&r, &e, &s), 0);
  ASSERT_EQ(getresgid(&gr, &ge, &gs), 0);
  uid_t fs = static_cast<uid_t>(setfsuid(static_cast<uid_t>(-1)));
  gid_t gfs = static_cast<gid_t>(setfsgid(static_cast<gid_t>(-1)));
  std::vector<gid_t> groups(static_cast<size_t>(getgroups(0, nullptr)));
  ASSERT_EQ(getgroups(static_cast<int>(groups.size()), groups.data()),
            static_cast<int>(groups.size()));
  std::sort(groups.begin(), groups.end());
  std::optional<uk::task_creds> c = read_host_creds(gettid());
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(*c, (uk::task_creds{r, e, s, fs, gr, ge, gs, gfs, groups}));
}

TEST(HostCreds, AGoneThreadHasNone) { EXPECT_FALSE(read_host_creds(0x3fffffff).has_value()); }

}  // namespace
}  // namespace ukrun
