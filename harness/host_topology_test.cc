#include "harness/host_topology.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace ukrun {
namespace {

namespace fs = std::filesystem;

class HostTopologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("sysfs." + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "cpu");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void put(const std::string& file, const std::string& text) {
    fs::create_directories((dir_ / file).parent_path());
    std::ofstream(dir_ / file) << text;
  }
  uk::topology_maps read() { return read_host_topology(dir_.string()); }

  fs::path dir_;
};

uk::cpumask_t cpus(const char* list) { return uk::bitmap_parselist<uk::NR_CPUS>(list).value(); }
uk::nodemask_t nodes(const char* list) {
  return uk::bitmap_parselist<uk::MAX_NUMNODES>(list).value();
}

// As this host's sysfs reads, with two more CPUs possible than present and online.
TEST_F(HostTopologyTest, EveryMapFromItsFile) {
  put("cpu/possible", "0-3\n");
  put("cpu/present", "0-2\n");
  put("cpu/online", "0-1\n");
  put("node/possible", "0-3\n");
  put("node/online", "0-1\n");
  put("node/has_memory", "0-1\n");
  put("node/has_normal_memory", "0\n");
  uk::topology_maps m = read();
  EXPECT_EQ(m.cpu_possible_mask, cpus("0-3"));
  EXPECT_EQ(m.cpu_present_mask, cpus("0-2"));
  EXPECT_EQ(m.cpu_online_mask, cpus("0-1"));
  EXPECT_EQ(m.node_states[uk::N_POSSIBLE], nodes("0-3"));
  EXPECT_EQ(m.node_states[uk::N_ONLINE], nodes("0-1"));
  EXPECT_EQ(m.node_states[uk::N_MEMORY], nodes("0-1"));
  EXPECT_EQ(m.node_states[uk::N_NORMAL_MEMORY], nodes("0"));
  uk::topology t(m);
  EXPECT_EQ(t.nr_cpu_ids(), 4u);
  EXPECT_EQ(t.nr_node_ids(), 4u);
}

// A kernel without NUMA has no node/ directory; a missing or empty CPU file takes the
// next smaller map.
TEST_F(HostTopologyTest, MissingFilesTakeTheSmallerMap) {
  put("cpu/online", "0-1\n");
  put("cpu/possible", "\n");
  uk::topology_maps m = read();
  EXPECT_EQ(m.cpu_possible_mask, cpus("0-1"));
  EXPECT_EQ(m.cpu_present_mask, cpus("0-1"));
  for (const auto& state : m.node_states) EXPECT_EQ(state, nodes("0"));
  EXPECT_TRUE(m.valid());
}

// Nothing readable: CPU 0 and node 0, still a valid machine.
TEST_F(HostTopologyTest, NothingReadableIsCpu0Node0) {
  put("cpu/online", "junk\n");
  uk::topology_maps m = read();
  EXPECT_EQ(m.cpu_online_mask, cpus("0"));
  EXPECT_EQ(m.cpu_possible_mask, cpus("0"));
  EXPECT_TRUE(m.valid());
}

// sched_domain_level_max from the present CPUs' topology, caches and nodes: two
// packages of two SMT pairs sharing an L3, a node each. SMT 0,
// CLS 1, MC 2, PKG 3, NODE 4, NUMA at 21 level 5 (uk/sched_domains.h).
TEST_F(HostTopologyTest, SchedDomainLevelMaxFromTheTopologyFiles) {
  put("cpu/possible", "0-7\n");
  put("cpu/present", "0-7\n");
  put("cpu/online", "0-7\n");
  for (int c = 0; c < 8; c++) {
    const std::string dir = "cpu/cpu" + std::to_string(c) + "/";
    const std::string pair = std::to_string(c / 2 * 2) + "-" + std::to_string(c / 2 * 2 + 1);
    const std::string package = c < 4 ? "0-3\n" : "4-7\n";
    put(dir + "topology/thread_siblings_list", pair + "\n");
    put(dir + "topology/cluster_cpus_list", pair + "\n");
    put(dir + "topology/package_cpus_list", package);
    put(dir + "cache/index0/level", "1\n");
    put(dir + "cache/index0/shared_cpu_list", pair + "\n");
    put(dir + "cache/index1/level", "3\n");
    put(dir + "cache/index1/shared_cpu_list", package);
    put(dir + "cache/index2/level", "2\n");
    put(dir + "cache/index2/shared_cpu_list", pair + "\n");
  }
  put("node/node0/cpulist", "0-3\n");
  put("node/node0/distance", "10 21\n");
  put("node/node1/cpulist", "4-7\n");
  put("node/node1/distance", "21 10\n");
  EXPECT_EQ(read().sched_domain_level_max, 5);
  // The same CPUs with no topology files: each alone in its core, cluster, cache and
  // package, all in node 0: CLS 0 and MC 1 are one CPU, PKG (the node) all eight: 2.
  fs::remove_all(dir_);
  put("cpu/present", "0-7\n");
  put("cpu/online", "0-7\n");
  EXPECT_EQ(read().sched_domain_level_max, 2);
}

}  // namespace
}  // namespace ukrun
