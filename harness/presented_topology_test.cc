#include "harness/presented_topology.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/host_topology.h"

namespace ukrun {
namespace {

TEST(ParseNodes, DecimalCountFromOneToMaxNumnodes) {
  for (std::string ok : {std::string("1"), std::string("2"), std::to_string(uk::MAX_NUMNODES)}) {
    auto n = parse_nodes(ok);
    ASSERT_TRUE(n.ok()) << ok;
    EXPECT_EQ(std::to_string(*n), ok);
  }
  for (std::string bad : {"", "0", "x", "2x", " 2", "2 ", "+2", "-1", "0x2", "99999999999"}) {
    EXPECT_FALSE(parse_nodes(bad).ok()) << "[" << bad << "]";
  }
  auto over = parse_nodes(std::to_string(uk::MAX_NUMNODES + 1));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            absl::StrCat("--nodes wants a number of memory nodes from 1 to ", uk::MAX_NUMNODES,
                         ", got ", uk::MAX_NUMNODES + 1));
}

// Syntax and emptiness; which CPUs the host has online decides the rest (the e2e test).
TEST(ParseCpus, RefusesWhatIsNoCpuList) {
  for (const char* bad : {"", "x", "0-", "1-0", "0,,1", "256"}) {
    EXPECT_FALSE(parse_cpus(bad).ok()) << "[" << bad << "]";
  }
  auto cpu0 = parse_cpus("0");  // CPU 0 is online on every host uk-run runs on
  ASSERT_TRUE(cpu0.ok()) << cpu0.status();
  EXPECT_EQ(*cpu0, uk::cpumask_t(1));
}

TEST(KernelTopology, NodesAndCpusReplaceTheHosts) {
  presented_topology t;
  t.nodes = 3;
  t.cpus = uk::cpumask_t(1);
  uk::topology k = kernel_topology(t);
  uk::topology_maps host = read_host_topology();
  EXPECT_EQ(k.cpu_online_mask(), uk::cpumask_t(1));
  EXPECT_EQ(k.cpu_present_mask(), host.cpu_present_mask);
  EXPECT_EQ(k.cpu_possible_mask(), host.cpu_possible_mask);
  for (auto state : {uk::N_POSSIBLE, uk::N_ONLINE, uk::N_NORMAL_MEMORY, uk::N_MEMORY}) {
    EXPECT_EQ(k.node_states(state), uk::nodemask_t(0b111)) << state;
  }
}

}  // namespace
}  // namespace ukrun
