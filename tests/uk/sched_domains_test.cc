// sched_domain_level_max as kernel/sched/topology.c's build_sched_domains() leaves it,
// for the x86 levels of arch/x86/kernel/smpboot.c (SMT, CLS, MC, PKG) and the NUMA
// levels of sched_init_numa(): a few machines worked through by hand below.
#include "uk/sched_domains.h"

#include "gtest/gtest.h"
#include "uk/topology.h"

namespace uk {
namespace {

cpumask_t cpus(const char* list) { return bitmap_parselist<NR_CPUS>(list).value(); }

// `n` CPUs numbered from `first`, `per_core` threads per core, `per_cluster` CPUs per
// cluster, `per_llc` per last-level cache, `per_package` per package, `per_node` per
// node.
sched_topology machine(int n, int per_core, int per_cluster, int per_llc, int per_package,
                       int per_node) {
  auto group = [](int c, int size) {
    cpumask_t m;
    for (int i = c / size * size; i < c / size * size + size; i++) m.set(i);
    return m;
  };
  sched_topology t;
  for (int c = 0; c < n; c++) {
    sched_topology::cpu& info = t.cpus[c];
    info.thread_siblings = group(c, per_core);
    info.cluster_cpus = group(c, per_cluster);
    info.llc_cpus = group(c, per_llc);
    info.package_cpus = group(c, per_package);
    info.node = c / per_node;
  }
  return t;
}

// Machines by shape (machine()'s arguments), the CPUs the domains are built over, and
// the level the kernel's rule reaches, worked out by hand in `why`.
TEST(SchedDomainLevelMax, Shapes) {
  struct shape {
    int n, per_core, per_cluster, per_llc, per_package, per_node;
    const char* map;
    int want;
    const char* why;
  };
  const shape shapes[] = {
      {2, 1, 1, 2, 2, 2, "0-1", 1,
       "this host: SMT dropped (one thread a core), CLS {cpu} 0, MC 0-1 1 (accepts -1..2)"},
      {2, 1, 1, 2, 2, 2, "0", 0, "one CPU of this host: CLS {0} is the whole map"},
      {1, 1, 1, 1, 1, 1, "0", 0, "one CPU: CLS spans it"},
      {4, 2, 2, 4, 4, 4, "0-3", 2, "SMT pairs: SMT {0,1} 0, CLS {0,1} 1 (degenerate), MC 0-3 2"},
      {2, 2, 2, 2, 2, 2, "0-1", 0, "a single SMT pair: SMT spans the map"},
      {8, 1, 4, 8, 8, 8, "0-7", 1, "clusters of 4 under one L3: CLS 0, MC 1"},
      {8, 1, 4, 4, 8, 8, "0-7", 2, "two L3s in a package: CLS 0, MC 1, PKG (the node) 2"},
      {8, 2, 2, 4, 4, 4, "0-7", 5,
       "two packages, a node each, SMT pairs: SMT 0, CLS 1, MC 2, PKG 3, NODE 4, NUMA 20 5"},
      {4, 1, 1, 2, 2, 2, "0-3", 4, "the same without SMT: CLS 0, MC 1, PKG 2, NODE 3, NUMA 4"},
      {8, 1, 1, 4, 8, 4, "0-7", 3,
       "two nodes in one package (x86_has_numa_in_package): no PKG; CLS 0, MC 1, NODE 2, "
       "NUMA 3"},
  };
  for (const shape& m : shapes) {
    sched_topology t =
        machine(m.n, m.per_core, m.per_cluster, m.per_llc, m.per_package, m.per_node);
    EXPECT_EQ(sched_domain_level_max(t, cpus(m.map)), m.want) << m.why;
  }
}

// topology_maps::uniform's machine is this host's shape.
TEST(SchedDomainLevelMax, UniformIsOnePackage) {
  EXPECT_EQ(sched_domain_level_max(sched_topology::one_package(cpus("0-1")), cpus("0-1")), 1);
  EXPECT_EQ(topology_maps::uniform(cpus("0-1"), nodemask_t(1)).sched_domain_level_max, 1);
  EXPECT_EQ(topology_maps::uniform(cpus("0"), nodemask_t(1)).sched_domain_level_max, 0);
}

// Four nodes of one CPU each, in a line: distances 10, 20, 30 and 40 from node 0 to
// node 3: CLS 0, MC 1, PKG 2, NODE 3, then NUMA levels at 20, 30 and 40 (the first
// two do not yet span every CPU from the end nodes): 6.
TEST(SchedDomainLevelMax, NumaLevelPerDistance) {
  sched_topology t = machine(4, 1, 1, 1, 1, 1);
  t.node_distance = {{10, 20, 30, 40}, {20, 10, 20, 30}, {30, 20, 10, 20}, {40, 30, 20, 10}};
  EXPECT_EQ(sched_domain_level_max(t, cpus("0-3")), 6);
  // Nodes 1 and 2 alone reach each other at 20: NUMA 20 is level 4.
  EXPECT_EQ(sched_domain_level_max(t, cpus("1-2")), 4);
}

// A node without CPUs adds no distance (sched_init_numa counts nodes with CPUs only).
TEST(SchedDomainLevelMax, NodesWithoutCpusAddNoLevel) {
  sched_topology t = machine(2, 1, 1, 2, 2, 2);
  t.node_distance = {{10, 20}, {20, 10}};
  EXPECT_EQ(sched_domain_level_max(t, cpus("0-1")), 1);
}

}  // namespace
}  // namespace uk
