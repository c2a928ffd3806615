// The cpuset subsystem through the syscall API, one test per checklist row of
// shared/spec/containers-spec.md section 6 (cpuset rows 86-105, plus 53 and 56).
#include "subsys/cpuset.h"

#include <sched.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"

namespace uk::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

class CpusetTest : public SubsysTest {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    ASSERT_EQ(mount("/cs", "cpuset"), 0);
  }
};

TEST_F(CpusetTest, FilesOfRootAndChild) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  EXPECT_THAT(ls(init(), "/cs/a"),
              ElementsAre("cpu_exclusive", "cpus", "mem_exclusive", "memory_migrate",
                          "memory_pressure", "memory_spread_page", "memory_spread_slab", "mems",
                          "notify_on_release", "releasable", "sched_load_balance", "tasks"));
  EXPECT_THAT(ls(init(), "/cs"), Contains("memory_pressure_enabled"));
  EXPECT_THAT(ls(init(), "/cs"), Contains("release_agent"));
}

TEST_F(CpusetTest, TopCpusetTracksTheOnlineMaps) {
  EXPECT_EQ(read("/cs/cpus"), "0-3\n");
  EXPECT_EQ(read("/cs/mems"), "0-1\n");
  EXPECT_EQ(read("/cs/cpu_exclusive"), "1\n");
  EXPECT_EQ(read("/cs/mem_exclusive"), "1\n");
  EXPECT_EQ(read("/cs/sched_load_balance"), "1\n");
}

TEST_F(CpusetTest, Row86_NewChildIsEmptyAndLoadBalanced) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  EXPECT_EQ(read("/cs/a/cpus"), "\n");
  EXPECT_EQ(read("/cs/a/mems"), "\n");
  EXPECT_EQ(read("/cs/a/sched_load_balance"), "1\n");
  EXPECT_EQ(read("/cs/a/cpu_exclusive"), "0\n");
  EXPECT_EQ(read("/cs/a/mem_exclusive"), "0\n");
  EXPECT_EQ(read("/cs/a/memory_migrate"), "0\n");
  EXPECT_EQ(read("/cs/a/memory_spread_page"), "0\n");
  EXPECT_EQ(read("/cs/a/memory_spread_slab"), "0\n");
}

TEST_F(CpusetTest, Row87_WriteSubsetAndReadBack) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  EXPECT_EQ(write("/cs/a/cpus", "2-3"), 3);
  EXPECT_EQ(read("/cs/a/cpus"), "2-3\n");
  // Surrounding white space is stripped.
  EXPECT_EQ(write("/cs/a/cpus", "  0,2-3\n"), 8);
  EXPECT_EQ(read("/cs/a/cpus"), "0,2-3\n");
  EXPECT_EQ(write("/cs/a/mems", "1\n"), 2);
  EXPECT_EQ(read("/cs/a/mems"), "1\n");
}

TEST_F(CpusetTest, Row88_CpuNotInParentIsEacces) {
  make_cpuset("/cs/a", "0-1", "0");
  ASSERT_EQ(mkdir("/cs/a/b"), 0);
  EXPECT_EQ(write("/cs/a/b/cpus", "2"), -EACCES);
  EXPECT_EQ(write("/cs/a/b/mems", "1"), -EACCES);
  EXPECT_EQ(write("/cs/a/b/cpus", "1"), 1);
}

TEST_F(CpusetTest, Row89_TopCpusetIsReadOnly) {
  EXPECT_EQ(write("/cs/cpus", "0-1"), -EACCES);
  EXPECT_EQ(write("/cs/mems", "0"), -EACCES);
  EXPECT_EQ(read("/cs/cpus"), "0-3\n");
}

TEST_F(CpusetTest, Row90_BadListsAreEinvalOrErange) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  EXPECT_EQ(write("/cs/a/cpus", "abc"), -EINVAL);
  EXPECT_EQ(write("/cs/a/cpus", "3-1"), -EINVAL);
  EXPECT_EQ(write("/cs/a/cpus", "1-"), -EINVAL);
  EXPECT_EQ(write("/cs/a/cpus", "0, 1"), -EINVAL);
  EXPECT_EQ(write("/cs/a/cpus", std::to_string(NR_CPUS)), -ERANGE);
  EXPECT_EQ(write("/cs/a/mems", std::to_string(MAX_NUMNODES)), -ERANGE);
  EXPECT_EQ(read("/cs/a/cpus"), "\n");
}

TEST_F(CpusetTest, Row91_OfflineCpusAreDropped) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  EXPECT_EQ(write("/cs/a/cpus", "2-7"), 3);
  EXPECT_EQ(read("/cs/a/cpus"), "2-3\n");
  EXPECT_EQ(write("/cs/a/mems", "0-5"), 3);
  EXPECT_EQ(read("/cs/a/mems"), "0-1\n");
}

TEST_F(CpusetTest, Row92_EmptyCpusWithTasksIsEnospc) {
  make_cpuset("/cs/a", "1", "0");
  make_cpuset("/cs/b", "1", "0");
  task_struct& t = spawn();
  ASSERT_EQ(attach("/cs/a", t), long(std::to_string(t.pid).size()));
  EXPECT_EQ(write("/cs/a/cpus", ""), -ENOSPC);
  EXPECT_EQ(write("/cs/a/cpus", "\n"), -ENOSPC);
  EXPECT_EQ(write("/cs/a/mems", ""), -ENOSPC);
  EXPECT_EQ(read("/cs/a/cpus"), "1\n");
  // Without tasks it is allowed.
  EXPECT_EQ(write("/cs/b/cpus", ""), 0);
  EXPECT_EQ(read("/cs/b/cpus"), "\n");
}

TEST_F(CpusetTest, Row93_ShrinkingBelowAChildIsEbusy) {
  make_cpuset("/cs/a", "0-3", "0-1");
  make_cpuset("/cs/a/b", "2-3", "1");
  EXPECT_EQ(write("/cs/a/cpus", "0-1"), -EBUSY);
  EXPECT_EQ(write("/cs/a/mems", "0"), -EBUSY);
  EXPECT_EQ(write("/cs/a/cpus", "1-3"), 3);
}

TEST_F(CpusetTest, Row94_ExclusiveOverlapWithSiblingIsEinval) {
  make_cpuset("/cs/a", "0-1", "0");
  make_cpuset("/cs/b", "1-2", "0");
  EXPECT_EQ(write("/cs/a/cpu_exclusive", "1"), -EINVAL);
  EXPECT_EQ(write("/cs/a/mem_exclusive", "1"), -EINVAL);
  // An exclusive sibling also forbids overlapping it later.
  ASSERT_EQ(write("/cs/b/cpus", "2"), 1);
  ASSERT_EQ(write("/cs/a/cpu_exclusive", "1"), 1);
  EXPECT_EQ(write("/cs/b/cpus", "1-2"), -EINVAL);
}

TEST_F(CpusetTest, Row95_ExclusiveNeedsExclusiveParent) {
  make_cpuset("/cs/a", "0-1", "0");
  make_cpuset("/cs/a/b", "0", "0");
  EXPECT_EQ(write("/cs/a/b/cpu_exclusive", "1"), -EACCES);
  EXPECT_EQ(write("/cs/a/b/mem_exclusive", "1"), -EACCES);
  ASSERT_EQ(write("/cs/a/cpu_exclusive", "1"), 1);
  EXPECT_EQ(write("/cs/a/b/cpu_exclusive", "1"), 1);
}

TEST_F(CpusetTest, Row96_ClearingParentExclusiveUnderExclusiveChildIsEbusy) {
  make_cpuset("/cs/a", "0-1", "0");
  ASSERT_EQ(write("/cs/a/cpu_exclusive", "1"), 1);
  make_cpuset("/cs/a/b", "0", "0");
  ASSERT_EQ(write("/cs/a/b/cpu_exclusive", "1"), 1);
  EXPECT_EQ(write("/cs/a/cpu_exclusive", "0"), -EBUSY);
  // Also at the top cpuset.
  EXPECT_EQ(write("/cs/cpu_exclusive", "0"), -EBUSY);
}

TEST_F(CpusetTest, Row97_AttachIntoEmptyMemsIsEnospc) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  ASSERT_EQ(write("/cs/a/cpus", "0"), 1);
  task_struct& t = spawn();
  EXPECT_EQ(attach("/cs/a", t), -ENOSPC);
  EXPECT_EQ(read("/cs/a/tasks"), "");
}

TEST_F(CpusetTest, Row53_CanAttachVetoLeavesTaskInPlace) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  ASSERT_EQ(write("/cs/a/mems", "0"), 1);
  task_struct& t = spawn();
  EXPECT_EQ(attach("/cs/a", t), -ENOSPC);
  EXPECT_EQ(read("/cs/a/tasks"), "");
  EXPECT_EQ(read("/proc/" + std::to_string(t.pid) + "/cpuset"), "/\n");
  EXPECT_EQ(t.cpus_allowed, cpus("0-3"));
}

TEST_F(CpusetTest, Row98_AttachSetsAffinityToOnlineCpus) {
  make_cpuset("/cs/a", "2-3", "1");
  task_struct& t = spawn();
  ASSERT_GT(attach("/cs/a", t), 0);
  EXPECT_EQ(t.cpus_allowed, cpus("2-3"));
  EXPECT_EQ(t.mems_allowed, nodes("1"));
  EXPECT_EQ(read("/proc/" + std::to_string(t.pid) + "/cpuset"), "/a\n");
  // Back to the top: every online CPU.
  ASSERT_GT(attach("/cs", t), 0);
  EXPECT_EQ(t.cpus_allowed, cpus("0-3"));
  EXPECT_EQ(t.mems_allowed, nodes("0-1"));
}

TEST_F(CpusetTest, Row99_ChangingCpusUpdatesMembers) {
  make_cpuset("/cs/a", "0-3", "0-1");
  task_struct& t1 = spawn();
  task_struct& t2 = spawn();
  task_struct& outside = spawn();
  ASSERT_GT(attach("/cs/a", t1), 0);
  ASSERT_GT(attach("/cs/a", t2), 0);
  ASSERT_EQ(write("/cs/a/cpus", "1"), 1);
  EXPECT_EQ(t1.cpus_allowed, cpus("1"));
  EXPECT_EQ(t2.cpus_allowed, cpus("1"));
  EXPECT_EQ(outside.cpus_allowed, cpus("0-3"));
  ASSERT_EQ(write("/cs/a/mems", "1"), 1);
  EXPECT_EQ(t1.mems_allowed, nodes("1"));
  // A child forked afterwards inherits the placement.
  task_struct& child = spawn(&t1);
  EXPECT_EQ(child.cpus_allowed, cpus("1"));
}

TEST_F(CpusetTest, Row100_MemoryPressureIsReadOnly) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  EXPECT_EQ(write("/cs/a/memory_pressure", "1"), -EACCES);
  EXPECT_EQ(write("/cs/memory_pressure", "0"), -EACCES);
  EXPECT_EQ(read("/cs/a/memory_pressure"), "0\n");
}

TEST_F(CpusetTest, Row101_MemoryPressureEnabledAtRootOnly) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  EXPECT_THAT(ls(init(), "/cs/a"), Not(Contains("memory_pressure_enabled")));
  EXPECT_EQ(read("/cs/memory_pressure_enabled"), "0\n");
  EXPECT_EQ(write("/cs/memory_pressure_enabled", "1"), 1);
  EXPECT_EQ(read("/cs/memory_pressure_enabled"), "1\n");
  EXPECT_EQ(write("/cs/memory_pressure_enabled", "junk"), 4);
  EXPECT_EQ(read("/cs/memory_pressure_enabled"), "0\n");
}

TEST_F(CpusetTest, Row102_GarbageFlagIsZero) {
  make_cpuset("/cs/a", "0", "0");
  ASSERT_EQ(write("/cs/a/memory_migrate", "1"), 1);
  EXPECT_EQ(read("/cs/a/memory_migrate"), "1\n");
  EXPECT_EQ(write("/cs/a/memory_migrate", "foo"), 3);
  EXPECT_EQ(read("/cs/a/memory_migrate"), "0\n");
  EXPECT_EQ(write("/cs/a/sched_load_balance", "7\n"), 2);
  EXPECT_EQ(read("/cs/a/sched_load_balance"), "1\n");
  EXPECT_EQ(write("/cs/a/sched_load_balance", "0"), 1);
  EXPECT_EQ(read("/cs/a/sched_load_balance"), "0\n");
}

TEST_F(CpusetTest, Row103_SpreadFlagsInheritedAtMkdirOnly) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  ASSERT_EQ(write("/cs/a/memory_spread_page", "1"), 1);
  ASSERT_EQ(write("/cs/a/memory_spread_slab", "1"), 1);
  ASSERT_EQ(mkdir("/cs/a/b"), 0);
  EXPECT_EQ(read("/cs/a/b/memory_spread_page"), "1\n");
  EXPECT_EQ(read("/cs/a/b/memory_spread_slab"), "1\n");
  ASSERT_EQ(write("/cs/a/memory_spread_page", "0"), 1);
  EXPECT_EQ(read("/cs/a/b/memory_spread_page"), "1\n");
}

TEST_F(CpusetTest, Row104_OverlongWriteIsE2big) {
  ASSERT_EQ(mkdir("/cs/a"), 0);
  const size_t limit = 100 + 6 * NR_CPUS;
  ASSERT_EQ(limit, CPUSET_MAX_WRITE);
  EXPECT_EQ(write("/cs/a/cpus", "1" + std::string(limit, ' ')), -E2BIG);
  EXPECT_EQ(write("/cs/a/cpu_exclusive", std::string(limit + 1, '0')), -E2BIG);
  // At the limit it is accepted (white space stripped).
  EXPECT_EQ(write("/cs/a/cpus", "1" + std::string(limit - 1, ' ')), long(limit));
  EXPECT_EQ(read("/cs/a/cpus"), "1\n");
}

TEST_F(CpusetTest, Row105_HotUnplugTakesNearestAncestorsOnlineCpus) {
  make_cpuset("/cs/a", "2-3", "0-1");
  make_cpuset("/cs/a/b", "3", "1");
  make_cpuset("/cs/c", "1-2", "0");
  ASSERT_EQ(mkdir("/cs/empty"), 0);
  task_struct& t = spawn();
  ASSERT_GT(attach("/cs/a/b", t), 0);

  k().topo().set_cpu_online(cpus("0-1"));
  EXPECT_EQ(read("/cs/cpus"), "0-1\n");
  // a and b have no online CPU left: the nearest ancestor with some is the top.
  EXPECT_EQ(read("/cs/a/cpus"), "0-1\n");
  EXPECT_EQ(read("/cs/a/b/cpus"), "0-1\n");
  // c keeps its online part; an empty cpuset stays empty.
  EXPECT_EQ(read("/cs/c/cpus"), "1\n");
  EXPECT_EQ(read("/cs/empty/cpus"), "\n");
  // Tasks are not moved (2.6.24).
  EXPECT_EQ(read("/cs/a/b/tasks"), std::to_string(t.pid) + "\n");

  k().topo().set_node_memory(nodes("0"));
  EXPECT_EQ(read("/cs/mems"), "0\n");
  EXPECT_EQ(read("/cs/a/b/mems"), "0\n");  // a's online part
  EXPECT_EQ(read("/cs/c/mems"), "0\n");

  // Plugging CPUs back does not widen cpusets (only the top follows).
  k().topo().set_cpu_online(cpus("0-3"));
  EXPECT_EQ(read("/cs/cpus"), "0-3\n");
  EXPECT_EQ(read("/cs/c/cpus"), "1\n");
}

TEST_F(CpusetTest, Row105_ChildOfShrunkParentUsesParentsOnlinePart) {
  make_cpuset("/cs/a", "1-3", "0");
  make_cpuset("/cs/a/b", "3", "0");
  k().topo().set_cpu_online(cpus("0-2"));
  EXPECT_EQ(read("/cs/a/cpus"), "1-2\n");
  EXPECT_EQ(read("/cs/a/b/cpus"), "1-2\n");
}

TEST_F(CpusetTest, RemovedCpusetWritesAreEnodev) {
  make_cpuset("/cs/a", "0", "0");
  long fd = sys_open(init(), "/cs/a/cpus", O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(sys_rmdir(init(), "/cs/a"), 0);
  EXPECT_EQ(sys_write(init(), fd, "1", 1), -ENODEV);
  char buf[16];
  EXPECT_EQ(sys_read(init(), fd, buf, sizeof buf), -ENODEV);
  sys_close(init(), fd);
}

TEST_F(CpusetTest, RmdirAndRecreate) {
  make_cpuset("/cs/a", "0-1", "0");
  ASSERT_EQ(write("/cs/a/cpu_exclusive", "1"), 1);
  ASSERT_EQ(sys_rmdir(init(), "/cs/a"), 0);
  make_cpuset("/cs/b", "0-1", "0");
  EXPECT_EQ(write("/cs/b/cpu_exclusive", "1"), 1);
}

// Row 56: in {cpuset, cpu} the cpu subsystem's can_attach runs first (descending id).
class CpusetCpuTest : public SubsysTest {};

TEST_F(CpusetCpuTest, Row56_CpuVetoesBeforeCpuset) {
  ASSERT_EQ(mount("/m", "cpuset,cpu"), 0);
  ASSERT_EQ(mkdir("/m/a"), 0);  // empty cpus: cpuset alone would say ENOSPC
  task_struct& t = spawn();
  t.policy = SCHED_FIFO;
  EXPECT_EQ(attach("/m/a", t), -EINVAL);
  t.policy = SCHED_OTHER;
  EXPECT_EQ(attach("/m/a", t), -ENOSPC);
}

TEST_F(CpusetCpuTest, UnboundCpusetStillTracksHotplug) {
  k().topo().set_cpu_online(cpus("0-2"));
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  EXPECT_EQ(read("/cs/cpus"), "0-2\n");
}

}  // namespace
}  // namespace uk::testing
