// The cpuset subsystem through the syscall API, one test per checklist row of
// shared/spec/containers-spec.md section 6 (cpuset rows 86-105, plus 53 and 56).
#include "subsys/cpuset.h"

#include <sched.h>

#include <span>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/subsys/subsys_fixture.h"
#include "uk/container_flavour.h"

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
  EXPECT_EQ(write("/cs/a/mems", "64"), -ERANGE);  // 2.6.24's MAX_NUMNODES
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
  EXPECT_EQ(cpus_allowed_of(t), cpus("0-3"));
}

TEST_F(CpusetTest, Row98_AttachSetsAffinityToOnlineCpus) {
  make_cpuset("/cs/a", "2-3", "1");
  task_struct& t = spawn();
  ASSERT_GT(attach("/cs/a", t), 0);
  EXPECT_EQ(cpus_allowed_of(t), cpus("2-3"));
  EXPECT_EQ(mems_allowed_of(t), nodes("1"));
  EXPECT_EQ(read("/proc/" + std::to_string(t.pid) + "/cpuset"), "/a\n");
  // Back to the top: every online CPU.
  ASSERT_GT(attach("/cs", t), 0);
  EXPECT_EQ(cpus_allowed_of(t), cpus("0-3"));
  EXPECT_EQ(mems_allowed_of(t), nodes("0-1"));
}

TEST_F(CpusetTest, Row99_ChangingCpusUpdatesMembers) {
  make_cpuset("/cs/a", "0-3", "0-1");
  task_struct& t1 = spawn();
  task_struct& t2 = spawn();
  task_struct& outside = spawn();
  ASSERT_GT(attach("/cs/a", t1), 0);
  ASSERT_GT(attach("/cs/a", t2), 0);
  ASSERT_EQ(write("/cs/a/cpus", "1"), 1);
  EXPECT_EQ(cpus_allowed_of(t1), cpus("1"));
  EXPECT_EQ(cpus_allowed_of(t2), cpus("1"));
  EXPECT_EQ(cpus_allowed_of(outside), cpus("0-3"));
  ASSERT_EQ(write("/cs/a/mems", "1"), 1);
  EXPECT_EQ(mems_allowed_of(t1), nodes("1"));
  // A child forked afterwards inherits the placement.
  task_struct& child = spawn(&t1);
  EXPECT_EQ(cpus_allowed_of(child), cpus("1"));
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
  // 2.6.24: 100 + 6 * max(NR_CPUS, MAX_NUMNODES), NR_CPUS 256 and MAX_NUMNODES 64.
  const size_t limit = 100 + 6 * 256;
  ASSERT_EQ(limit, container_flavour_v10.cpuset_lists->max_write);
  EXPECT_EQ(write("/cs/a/cpus", "1" + std::string(limit, ' ')), -E2BIG);
  EXPECT_EQ(write("/cs/a/cpu_exclusive", std::string(limit + 1, '0')), -E2BIG);
  EXPECT_EQ(write("/cs/a/mems", "0" + std::string(limit, ' ')), -E2BIG);
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

// --- The list files: 2.6.24's parse (the container flavour), today's (the cgroup one) ---

// What a write to cpus and to mems returns (bytes, or -errno) and what the file reads
// after it.
struct list_answers {
  long cpus_result;
  const char* cpus_reads;
  long mems_result;
  const char* mems_reads;
};
// A write's text and the answers of each flavour.
struct list_case {
  std::string text;
  list_answers container;
  list_answers cgroup;
};

class CpusetListTest : public SubsysTest {
 protected:
  // For each flavour in turn (one cpuset hierarchy at a time): mounts its cpuset with
  // a child `a`, writes each case to a's cpus and mems after an empty list ("\n", as
  // the host probe did), and checks the write's result and the file's content after it.
  void expect_cases(std::span<const list_case> cases) {
    expect_flavour("/cs", "container", "", &list_case::container, cases);
    expect_flavour("/cg", "cgroup", "cpuset.", &list_case::cgroup, cases);
  }

 private:
  void expect_flavour(const std::string& dir, const char* type, const std::string& prefix,
                      list_answers list_case::*answers, std::span<const list_case> cases) {
    sys_mkdir(init(), dir.c_str(), 0755);
    ASSERT_EQ(sys_mount(init(), "none", dir.c_str(), type, 0, "cpuset"), 0) << type;
    ASSERT_EQ(mkdir(dir + "/a"), 0);
    for (const list_case& c : cases) {
      const list_answers& want = c.*answers;
      for (const auto& [file, result, reads] :
           {std::tuple(dir + "/a/" + prefix + "cpus", want.cpus_result, want.cpus_reads),
            std::tuple(dir + "/a/" + prefix + "mems", want.mems_result, want.mems_reads)}) {
        ASSERT_EQ(write(file, "\n"), 1) << file;
        EXPECT_EQ(write(file, c.text), result) << file << " <- \"" << absl::CEscape(c.text) << '"';
        EXPECT_EQ(read(file), reads) << file << " <- \"" << absl::CEscape(c.text) << '"';
      }
    }
    ASSERT_EQ(sys_rmdir(init(), (dir + "/a").c_str()), 0);
    ASSERT_EQ(sys_umount(init(), dir.c_str(), 0), 0);
  }
};

// On a machine as this host (2 possible CPUs, all online; node 0).
// Container: 2.6.24's update_cpumask / update_nodemask: strstrip(), then lib/bitmap.c's
// bitmap_parselist() with NR_CPUS (256) bits for CPUs and MAX_NUMNODES (64) for nodes
// (items "a" or "a-b", each followed by at most one ',', until NUL or '\n'; numbers are
// simple_strtoul's cut to 32 bits), then what is not online is dropped: answers read
// from 2.6.24's source.
// Cgroup: cpuset_write_resmask: strstrip(), then lib/bitmap-str.c's bitmap_parselist()
// with nr_cpu_ids bits for CPUs and MAX_NUMNODES (1024 here) for nodes (regions split by
// commas or blanks, "N", "all", a-b:used/group; ERANGE past the bit count, EOVERFLOW
// past 32 bits), then EINVAL for a CPU or node the top cpuset lacks; read back as
// "%*pbl\n". Every answer is the host's (Linux 6.18, a child of its v1 cpuset
// hierarchy).
TEST_F(CpusetListTest, ListsParseAsEachFlavoursKernel) {
  boot("0-1", "0");
  const list_case cases[] = {
      {"2", {1, "\n", 1, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"0,12", {4, "0\n", 4, "0\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"0-2", {3, "0-1\n", 3, "0\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"0-", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0--1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0AAA", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"AAA", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0,", {2, "0\n", 2, "0\n"}, {2, "0\n", 2, "0\n"}},
      {"0,0", {3, "0\n", 3, "0\n"}, {3, "0\n", 3, "0\n"}},
      {"0-1:1/2", {-EINVAL, "\n", -EINVAL, "\n"}, {7, "0\n", 7, "0\n"}},
      {"1-0", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {" ", {1, "\n", 1, "\n"}, {1, "\n", 1, "\n"}},
      {"0 ", {2, "0\n", 2, "0\n"}, {2, "0\n", 2, "0\n"}},
      {"0-1:2/1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-1:0/2", {-EINVAL, "\n", -EINVAL, "\n"}, {7, "\n", 7, "\n"}},
      {"0\n", {2, "0\n", 2, "0\n"}, {2, "0\n", 2, "0\n"}},
      {"1", {1, "1\n", 1, "\n"}, {1, "1\n", -EINVAL, "\n"}},
      {"0-1", {3, "0-1\n", 3, "0\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {"1,0", {3, "0-1\n", 3, "0\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {",0", {-EINVAL, "\n", -EINVAL, "\n"}, {2, "0\n", 2, "0\n"}},
      {",", {-EINVAL, "\n", -EINVAL, "\n"}, {1, "\n", 1, "\n"}},
      {"0,,1", {-EINVAL, "\n", -EINVAL, "\n"}, {4, "0-1\n", -EINVAL, "\n"}},
      {"0 1", {-EINVAL, "\n", -EINVAL, "\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {"0\n1", {3, "0\n", 3, "0\n"}, {3, "0\n", 3, "0\n"}},
      {"\n1", {2, "1\n", 2, "\n"}, {2, "1\n", -EINVAL, "\n"}},
      {"N", {-EINVAL, "\n", -EINVAL, "\n"}, {1, "1\n", -EINVAL, "\n"}},
      {"0-N", {-EINVAL, "\n", -EINVAL, "\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {"all", {-EINVAL, "\n", -EINVAL, "\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {"ALL", {-EINVAL, "\n", -EINVAL, "\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {"all:1/2", {-EINVAL, "\n", -EINVAL, "\n"}, {7, "0\n", -EINVAL, "\n"}},
      {"0-1:1/0", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-1:3/2", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0:1/2", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-1:1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-1:1/", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"4294967296", {10, "0\n", 10, "0\n"}, {-EOVERFLOW, "\n", -EOVERFLOW, "\n"}},
      {"4294967295", {-ERANGE, "\n", -ERANGE, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"99999999999999999999999",
       {-ERANGE, "\n", -ERANGE, "\n"},
       {-EOVERFLOW, "\n", -EOVERFLOW, "\n"}},
      {"-1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"+1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0x1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"01", {2, "1\n", 2, "\n"}, {2, "1\n", -EINVAL, "\n"}},
      {"0-01", {4, "0-1\n", 4, "0\n"}, {4, "0-1\n", -EINVAL, "\n"}},
      {"1-1", {3, "1\n", 3, "\n"}, {3, "1\n", -EINVAL, "\n"}},
      {"5-2", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-9:2/1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-9:1/2", {-EINVAL, "\n", -EINVAL, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"0\t", {2, "0\n", 2, "0\n"}, {2, "0\n", 2, "0\n"}},
      {"\t0", {2, "0\n", 2, "0\n"}, {2, "0\n", 2, "0\n"}},
      {"0 ,1", {-EINVAL, "\n", -EINVAL, "\n"}, {4, "0-1\n", -EINVAL, "\n"}},
      {"0, 1", {-EINVAL, "\n", -EINVAL, "\n"}, {4, "0-1\n", -EINVAL, "\n"}},
      {"0-1,", {4, "0-1\n", 4, "0\n"}, {4, "0-1\n", -EINVAL, "\n"}},
      {"0-1 ", {4, "0-1\n", 4, "0\n"}, {4, "0-1\n", -EINVAL, "\n"}},
      {"0 -1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0- 1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {std::string("0\0"
                   "1",
                   3),
       {3, "0\n", 3, "0\n"},
       {3, "0\n", 3, "0\n"}},
      {"\n", {1, "\n", 1, "\n"}, {1, "\n", 1, "\n"}},
      {"1023", {-ERANGE, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"1024", {-ERANGE, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -ERANGE, "\n"}},
      {"1025", {-ERANGE, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -ERANGE, "\n"}},
      {"63", {2, "\n", 2, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"64", {2, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"255", {3, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"256", {-ERANGE, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"0-1:1/2,1", {-EINVAL, "\n", -EINVAL, "\n"}, {9, "0-1\n", -EINVAL, "\n"}},
      {"1-1:1/1", {-EINVAL, "\n", -EINVAL, "\n"}, {7, "1\n", -EINVAL, "\n"}},
      {"0-1:2/2", {-EINVAL, "\n", -EINVAL, "\n"}, {7, "0-1\n", -EINVAL, "\n"}},
      {"allx", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-1:1/2x", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-1:1/2 1", {-EINVAL, "\n", -EINVAL, "\n"}, {9, "0-1\n", -EINVAL, "\n"}},
      {"N-0", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0,N", {-EINVAL, "\n", -EINVAL, "\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {"0-1:1/2:1", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"n", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-1:01/02", {-EINVAL, "\n", -EINVAL, "\n"}, {9, "0\n", 9, "0\n"}},
      {"0-1:1/4294967296", {-EINVAL, "\n", -EINVAL, "\n"}, {-EOVERFLOW, "\n", -EOVERFLOW, "\n"}},
      {"4294967295-4294967295", {-ERANGE, "\n", -ERANGE, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-4294967295:1/4294967295", {-ERANGE, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -ERANGE, "\n"}},
      {"0.5", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0 \n", {3, "0\n", 3, "0\n"}, {3, "0\n", 3, "0\n"}},
      {"0\xa0", {2, "0\n", 2, "0\n"}, {2, "0\n", 2, "0\n"}},
      {"\xa0"
       "0",
       {2, "0\n", 2, "0\n"},
       {2, "0\n", 2, "0\n"}},
      {"0\xa0"
       "1",
       {-EINVAL, "\n", -EINVAL, "\n"},
       {3, "0-1\n", -EINVAL, "\n"}},
      {"0\v1", {-EINVAL, "\n", -EINVAL, "\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {"0\f", {2, "0\n", 2, "0\n"}, {2, "0\n", 2, "0\n"}},
      {"0\r", {2, "0\n", 2, "0\n"}, {2, "0\n", 2, "0\n"}},
      {"1\xa0", {2, "1\n", 2, "\n"}, {2, "1\n", -EINVAL, "\n"}},
  };
  expect_cases(cases);
}

// CPUs 0-3 possible, 0-1 online; nodes 0-1 possible, 0 with memory. Today's kernel
// refuses a CPU that can exist but is not online with EINVAL and one past nr_cpu_ids
// with ERANGE (parse_cpuset_cpulist: cpulist_parse with nr_cpu_ids bits, then the
// subset check against the top cpuset, which tracks the active CPUs); a possible node
// without memory is EINVAL. 2.6.24 has no such distinction: what is not online is
// dropped below NR_CPUS. From the sources: the host has no offline CPU.
TEST_F(CpusetListTest, PossibleButOfflineCpus) {
  topology_maps m = topology_maps::uniform(cpus("0-1"), nodes("0"));
  m.cpu_possible_mask = m.cpu_present_mask = cpus("0-3");
  m.node_states[N_POSSIBLE] = m.node_states[N_ONLINE] = nodes("0-1");
  boot(m);
  const list_case cases[] = {
      {"2", {1, "\n", 1, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"3", {1, "\n", 1, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"4", {1, "\n", 1, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"1-3", {3, "1\n", 3, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-4", {3, "0-1\n", 3, "0\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"N", {-EINVAL, "\n", -EINVAL, "\n"}, {-EINVAL, "\n", -EINVAL, "\n"}},
      {"0-N:1/4", {-EINVAL, "\n", -EINVAL, "\n"}, {7, "0\n", -EINVAL, "\n"}},
      {"0-1", {3, "0-1\n", 3, "0\n"}, {3, "0-1\n", -EINVAL, "\n"}},
      {"255", {3, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -EINVAL, "\n"}},
      {"1024", {-ERANGE, "\n", -ERANGE, "\n"}, {-ERANGE, "\n", -ERANGE, "\n"}},
  };
  expect_cases(cases);
}

// The longest write (2.6.24's, the same in every file, is Row104's): today's
// legacy_files give cpus 100 + 6 * NR_CPUS and mems 100 + 6 * MAX_NUMNODES (the host: 1637 and 6245
// bytes are E2BIG, 1636 and 6244 are taken).
TEST_F(CpusetListTest, MemsTakeLongerWritesInTheCgroupFlavour) {
  sys_mkdir(init(), "/cg", 0755);
  ASSERT_EQ(sys_mount(init(), "none", "/cg", "cgroup", 0, "cpuset"), 0);
  mounts_.push_back("/cg");
  ASSERT_EQ(mkdir("/cg/a"), 0);
  for (const auto& [file, limit] :
       {std::pair("/cg/a/cpuset.cpus", 1636), std::pair("/cg/a/cpuset.mems", 6244)}) {
    EXPECT_EQ(write(file, "0" + std::string(limit - 1, ' ')), limit) << file;
    EXPECT_EQ(write(file, "0" + std::string(limit, ' ')), -E2BIG) << file;
    EXPECT_EQ(read(file), "0\n") << file;
  }
}

}  // namespace
}  // namespace uk::testing
