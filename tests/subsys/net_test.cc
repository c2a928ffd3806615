// The net subsystem: rate_bps parsing, the effective (smallest ancestor) limit, the
// any-limit count and the change notifier uk-run's enforcer hangs on.
#include "subsys/net.h"

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"

namespace uk::testing {
namespace {

class NetTest : public SubsysTest {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    ASSERT_EQ(mount("/n", "net"), 0);
  }
  net_subsys& net() { return *static_cast<net_subsys*>(k().containers().subsys(net_subsys_id)); }
  // The effective limit of the container `t` is in. net().core_ is k().containers(): the
  // analysis cannot tell the two container_mutex paths name one mutex.
  uint64_t effective(task_struct& t) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    container* c = k().containers().task_container(&t, net_subsys_id);
    absl::MutexLock l(&k().containers().container_mutex);
    return net().effective_rate_bps(c);
  }
};

struct bad_write {
  std::string data;
  long expected;  // bytes, or -errno
  std::string after;
};

TEST_F(NetTest, RateIsAPlainUintAndBadInputKeepsTheOldValue) {
  ASSERT_EQ(mkdir("/n/a"), 0);
  EXPECT_EQ(read("/n/rate_bps"), "0\n");  // on the root too
  EXPECT_EQ(read("/n/a/rate_bps"), "0\n");
  ASSERT_EQ(write("/n/a/rate_bps", "80000000\n"), 9);
  const std::string mib(1 << 20, '1');
  const std::vector<bad_write> cases = {
      {"", -EINVAL, "80000000\n"},
      {"-1", -EINVAL, "80000000\n"},
      {"10M", -EINVAL, "80000000\n"},
      {"1 2", -EINVAL, "80000000\n"},
      {"1.5", -EINVAL, "80000000\n"},
      {"\xff", -EINVAL, "80000000\n"},
      {mib, -E2BIG, "80000000\n"},
      {"18446744073709551615", 20, "18446744073709551615\n"},
      {"0", 1, "0\n"},
      {"10000000", 8, "10000000\n"},
  };
  for (const bad_write& c : cases) {
    EXPECT_EQ(write("/n/a/rate_bps", c.data), c.expected) << c.data.substr(0, 24);
    EXPECT_EQ(read("/n/a/rate_bps"), c.after) << c.data.substr(0, 24);
  }
}

TEST_F(NetTest, CgroupFlavourNamesItNetRateBps) {
  ASSERT_EQ(sys_mkdir(init(), "/g", 0755), 0);
  ASSERT_EQ(sys_umount(init(), "/n", 0), 0);
  mounts_.clear();
  ASSERT_EQ(sys_mount(init(), "none", "/g", "cgroup", 0, "net"), 0);
  mounts_.push_back("/g");
  ASSERT_EQ(mkdir("/g/a"), 0);
  EXPECT_EQ(write("/g/a/net.rate_bps", "1000"), 4);
  EXPECT_EQ(read("/g/a/net.rate_bps"), "1000\n");
  EXPECT_EQ(write("/g/a/net.rate_bps", "x"), -EINVAL);  // kstrtoull
}

TEST_F(NetTest, EffectiveLimitIsTheSmallestOfItselfAndItsAncestors) {
  ASSERT_EQ(mkdir("/n/a"), 0);
  ASSERT_EQ(mkdir("/n/a/b"), 0);
  ASSERT_EQ(mkdir("/n/a/b/c"), 0);
  task_struct& t = spawn(&init());
  ASSERT_GT(attach("/n/a/b/c", t), 0);
  EXPECT_EQ(effective(t), 0u);  // no limit anywhere
  EXPECT_EQ(effective(init()), 0u);
  ASSERT_GT(write("/n/a/rate_bps", "5000"), 0);
  EXPECT_EQ(effective(t), 5000u);  // inherited from a grandparent
  ASSERT_GT(write("/n/a/b/c/rate_bps", "9000"), 0);
  EXPECT_EQ(effective(t), 5000u);  // a larger own limit does not lift the ancestor's
  ASSERT_GT(write("/n/a/b/rate_bps", "3000"), 0);
  EXPECT_EQ(effective(t), 3000u);
  ASSERT_GT(write("/n/a/b/rate_bps", "0"), 0);
  ASSERT_GT(write("/n/a/b/c/rate_bps", "100"), 0);
  EXPECT_EQ(effective(t), 100u);
  ASSERT_GT(write("/n/rate_bps", "50"), 0);  // the root's covers everything
  EXPECT_EQ(effective(t), 50u);
  EXPECT_EQ(effective(init()), 50u);
}

TEST_F(NetTest, AnyLimitCountsLimitedContainersUntilRmdir) {
  ASSERT_EQ(mkdir("/n/a"), 0);
  ASSERT_EQ(mkdir("/n/b"), 0);
  EXPECT_FALSE(net().any_limit());
  ASSERT_GT(write("/n/a/rate_bps", "1"), 0);
  ASSERT_GT(write("/n/b/rate_bps", "2"), 0);
  ASSERT_GT(write("/n/b/rate_bps", "3"), 0);  // a change, not a second limit
  EXPECT_TRUE(net().any_limit());
  ASSERT_GT(write("/n/a/rate_bps", "0"), 0);
  EXPECT_TRUE(net().any_limit());
  ASSERT_EQ(sys_rmdir(init(), "/n/b"), 0);  // its limit goes with it
  EXPECT_FALSE(net().any_limit());
}

TEST_F(NetTest, NotifierRunsOnWritesAndAttaches) {
  int calls = 0;
  net().set_change_notifier([&calls] { calls++; });
  ASSERT_EQ(mkdir("/n/a"), 0);
  EXPECT_EQ(calls, 0);
  ASSERT_GT(write("/n/a/rate_bps", "8"), 0);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(write("/n/a/rate_bps", "bad"), -EINVAL);
  EXPECT_EQ(calls, 1);
  task_struct& t = spawn(&init());
  ASSERT_GT(attach("/n/a", t), 0);
  EXPECT_EQ(calls, 2);
  net().set_change_notifier(nullptr);
  ASSERT_GT(write("/n/a/rate_bps", "9"), 0);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace uk::testing
