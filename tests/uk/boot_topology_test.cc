// The maps the kernel boots with pass through the recording seam: recorded as seven
// lists, replayed from them, and from a trace that has only cpus and mems (the format's
// first maps) widened to stay valid.
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "tests/uk/recording_subsys.h"
#include "uk/kernel.h"

namespace uk {
namespace {

// Answers input_text from `replayed` where it has the kind, else from the live value,
// and keeps every answer.
class boot_recorder : public entry_recorder {
 public:
  explicit boot_recorder(std::map<input_kind, std::string> replayed)
      : replayed_(std::move(replayed)) {}
  void begin() override {}
  void end(const entry&) override {}
  std::optional<uint64_t> input(input_kind, pid_t,
                                absl::FunctionRef<std::optional<uint64_t>()> live) override {
    return live();
  }
  std::string input_text(input_kind kind, pid_t, absl::FunctionRef<std::string()> live) override {
    auto it = replayed_.find(kind);
    return seen[kind] = it != replayed_.end() ? it->second : live();
  }
  std::map<input_kind, std::string> seen;

 private:
  std::map<input_kind, std::string> replayed_;
};

template <size_t N>
std::bitset<N> list(const char* s) {
  return bitmap_parselist<N>(s).value();
}

topology_maps boot(boot_recorder& rec, const topology_maps& configured) {
  kernel_config cfg;
  cfg.topo = topology(configured);
  cfg.recorder = &rec;
  kernel k(testing::recording_registry(), cfg);
  return k.topo().maps();
}

// 4 possible CPUs, 3 present, 2 online; nodes 0-3 possible, 0-2 online, 0-1 with
// memory, 0 with normal memory.
topology_maps machine() {
  topology_maps m;
  m.cpu_possible_mask = list<NR_CPUS>("0-3");
  m.cpu_present_mask = list<NR_CPUS>("0-2");
  m.cpu_online_mask = list<NR_CPUS>("0-1");
  m.node_states[N_POSSIBLE] = list<MAX_NUMNODES>("0-3");
  m.node_states[N_ONLINE] = list<MAX_NUMNODES>("0-2");
  m.node_states[N_MEMORY] = list<MAX_NUMNODES>("0-1");
  m.node_states[N_NORMAL_MEMORY] = list<MAX_NUMNODES>("0");
  m.sched_domain_level_max = 3;
  return m;
}

// machine()'s maps as the recorder sees them.
std::map<input_kind, std::string> machine_inputs() {
  return {{input_kind::cpu_possible, "0-3"},
          {input_kind::cpu_present, "0-2"},
          {input_kind::cpus, "0-1"},
          {input_kind::node_possible, "0-3"},
          {input_kind::node_online, "0-2"},
          {input_kind::mems, "0-1"},
          {input_kind::node_normal_memory, "0"},
          {input_kind::sched_domain_level_max, "3"}};
}

TEST(BootTopology, RecordsEveryMap) {
  boot_recorder rec({});
  boot(rec, machine());
  EXPECT_EQ(rec.seen, machine_inputs());
}

TEST(BootTopology, ReplaysEveryMap) {
  boot_recorder rec(machine_inputs());
  topology_maps got = boot(rec, topology_maps::uniform(cpumask_t(1), nodemask_t(1)));
  topology_maps want = machine();
  EXPECT_EQ(got.sched_domain_level_max, want.sched_domain_level_max);
  EXPECT_EQ(got.cpu_possible_mask, want.cpu_possible_mask);
  EXPECT_EQ(got.cpu_present_mask, want.cpu_present_mask);
  EXPECT_EQ(got.cpu_online_mask, want.cpu_online_mask);
  EXPECT_EQ(got.node_states, want.node_states);
}

// A trace with cpus and mems only: the configured maps (one CPU, one node) widened.
TEST(BootTopology, WidensTheConfiguredMapsToAnOlderTrace) {
  boot_recorder rec({{input_kind::cpus, "0-1"}, {input_kind::mems, "0-1"}});
  topology_maps got = boot(rec, topology_maps::uniform(cpumask_t(1), nodemask_t(1)));
  EXPECT_EQ(got.cpu_possible_mask, list<NR_CPUS>("0-1"));
  EXPECT_EQ(got.cpu_present_mask, list<NR_CPUS>("0-1"));
  EXPECT_EQ(got.cpu_online_mask, list<NR_CPUS>("0-1"));
  EXPECT_EQ(got.node_states[N_POSSIBLE], list<MAX_NUMNODES>("0-1"));
  EXPECT_EQ(got.node_states[N_ONLINE], list<MAX_NUMNODES>("0-1"));
  EXPECT_EQ(got.node_states[N_MEMORY], list<MAX_NUMNODES>("0-1"));
  EXPECT_EQ(got.node_states[N_NORMAL_MEMORY], list<MAX_NUMNODES>("0"));
}

}  // namespace
}  // namespace uk
