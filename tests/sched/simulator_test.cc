// Properties of the hierarchical fair-share policy, run on the deterministic simulator
// over hand-built hierarchies: proportional shares under contention, work
// conservation, multiplying splits, cpusets, changes taking effect at once.
#include "sched/simulator.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/sched/sched_fixture.h"

namespace uk::sched::testing {
namespace {

constexpr uint64_t kMs = 1000000;
constexpr uint64_t kSec = 1000 * kMs;

// The article: System 1024 vs Guests 9216 on one CPU, guest A and B at 2:1 inside.
struct article {
  snapshot_builder b;
  std::string system = b.group("/", "System", 1024);
  std::string guests = b.group("/", "Guests", 9216);
  std::string a = b.group(guests, "A", 2048);
  std::string bg = b.group(guests, "B", 1024);
};

TEST(SimulatorTest, ArticleSplitIsTenSixtyThirty) {
  article t;
  t.b.task(t.system);
  t.b.task(t.a);
  t.b.task(t.a);  // two burners in A: the group's share, not the task count, counts
  t.b.task(t.bg);
  simulator sim(cpu_list({0}));
  sim.update(t.b.get());
  sim.run(10 * kSec);
  uint64_t total = sim.group_time("/", true);
  EXPECT_EQ(total, 10 * kSec);
  EXPECT_EQ(sim.idle_ns(), 0u);
  EXPECT_NEAR(fraction(sim.group_time(t.system, true), total), 0.10, 0.005);
  EXPECT_NEAR(fraction(sim.group_time(t.guests, true), total), 0.90, 0.005);
  EXPECT_NEAR(fraction(sim.group_time(t.a, true), total), 0.60, 0.005);
  EXPECT_NEAR(fraction(sim.group_time(t.bg, true), total), 0.30, 0.005);
  EXPECT_EQ(sim.group_time(t.guests, false), 0u);  // no task of its own
}

TEST(SimulatorTest, SharesProportionalToWeightsUnderContention) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<uint64_t> weight(2, 20000);
  for (int round = 0; round < 10; round++) {
    snapshot_builder b;
    int n = 2 + round % 5;
    std::vector<std::string> paths;
    std::vector<uint64_t> w;
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
      w.push_back(weight(rng));
      sum += w.back();
      paths.push_back(b.group("/", "g" + std::to_string(i), w.back()));
      for (int k = 0; k <= i % 3; k++) b.task(paths.back());
    }
    simulator sim(cpu_list({0}));
    sim.update(b.get());
    sim.run(10 * kSec);
    uint64_t total = sim.group_time("/", true);
    for (int i = 0; i < n; i++) {
      double want = static_cast<double>(w[i]) / static_cast<double>(sum);
      // Within 1% of the CPU, or 2% relative for the large shares.
      EXPECT_NEAR(fraction(sim.group_time(paths[i], true), total), want,
                  std::max(0.01, want * 0.02))
          << "round " << round << " group " << i << " weight " << w[i] << "/" << sum;
    }
  }
}

TEST(SimulatorTest, WorkConservingWhenAContainerIsIdle) {
  article t;
  t.b.task(t.system);  // sleeps through the whole run
  pid_t idle = t.b.get().tasks.back().pid;
  t.b.task(t.a);
  t.b.task(t.bg);
  simulator sim(cpu_list({0}));
  sim.update(t.b.get());
  sim.set_pattern(idle, {.start_ns = 100 * kSec});
  sim.run(6 * kSec);
  EXPECT_EQ(sim.idle_ns(), 0u);
  EXPECT_EQ(sim.group_time(t.system, true), 0u);
  EXPECT_EQ(sim.group_time(t.guests, true), 6 * kSec);  // the whole CPU
  EXPECT_NEAR(fraction(sim.group_time(t.a, true), 6 * kSec), 2.0 / 3, 0.005);
}

TEST(SimulatorTest, UnusedShareGoesToTheOthers) {
  // System wants 2 ms every 50 ms (about 4%), less than its 10%: it gets what it wants
  // and the guests get the rest, with the CPU never idle while a guest can run.
  article t;
  pid_t sys = t.b.task(t.system);
  t.b.task(t.a);
  t.b.task(t.bg);
  simulator sim(cpu_list({0}), kMs / 2);
  sim.update(t.b.get());
  sim.set_pattern(sys, {.run_ns = 2 * kMs, .sleep_ns = 48 * kMs});
  sim.run(10 * kSec);
  uint64_t total = 10 * kSec;
  double sys_frac = fraction(sim.group_time(t.system, true), total);
  EXPECT_GT(sys_frac, 0.035);
  EXPECT_LT(sys_frac, 0.045);
  EXPECT_EQ(sim.idle_ns(), 0u);
  EXPECT_NEAR(fraction(sim.group_time(t.a, true), total), (1 - sys_frac) * 2 / 3, 0.005);
}

TEST(SimulatorTest, SleepersDoNotBankTime) {
  // B sleeps 5 s, then competes: it must not take the CPU for seconds to catch up.
  snapshot_builder b;
  std::string x = b.group("/", "X", 1024), y = b.group("/", "Y", 1024);
  b.task(x);
  pid_t late = b.task(y);
  simulator sim(cpu_list({0}));
  sim.update(b.get());
  sim.set_pattern(late, {.start_ns = 5 * kSec});
  sim.run(5 * kSec);
  EXPECT_EQ(sim.group_time(x, true), 5 * kSec);
  sim.run(2 * kSec);
  EXPECT_NEAR(fraction(sim.group_time(y, true), 2 * kSec), 0.5, 0.01);
}

TEST(SimulatorTest, HierarchicalSplitsMultiply) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint64_t> weight(100, 5000);
  snapshot_builder b;
  // Three levels, two or three children each, one CPU-bound task per leaf.
  std::vector<std::string> leaves;
  for (int i = 0; i < 3; i++) {
    std::string l1 = b.group("/", "a" + std::to_string(i), weight(rng));
    for (int j = 0; j < 2 + i % 2; j++) {
      std::string l2 = b.group(l1, "b" + std::to_string(j), weight(rng));
      for (int k = 0; k < 2; k++) {
        leaves.push_back(b.group(l2, "c" + std::to_string(k), weight(rng)));
        b.task(leaves.back());
      }
    }
  }
  simulator sim(cpu_list({0}));
  sim.update(b.get());
  sim.run(20 * kSec);
  fair_tree expect;
  expect.rebuild(b.get());
  std::vector<double> shares = expect.effective_shares();
  uint64_t total = sim.group_time("/", true);
  for (size_t i = 0; i < b.get().tasks.size(); i++) {
    const share_task& t = b.get().tasks[i];
    EXPECT_NEAR(fraction(sim.task_time(t.pid), total), shares[i], 0.005)
        << b.get().groups[t.group].path;
  }
}

TEST(SimulatorTest, TasksAndChildContainersCompeteAtOneLevel) {
  // A container's own task is one entity (weight 1024) beside its child container.
  snapshot_builder b;
  std::string p = b.group("/", "P", 1024);
  std::string c = b.group(p, "C", 3072);
  pid_t own = b.task(p);
  b.task(c);
  simulator sim(cpu_list({0}));
  sim.update(b.get());
  sim.run(4 * kSec);
  EXPECT_NEAR(fraction(sim.task_time(own), 4 * kSec), 0.25, 0.005);
}

TEST(SimulatorTest, HonoursCpusAllowed) {
  // Two CPUs. X (1024) has one task pinned to CPU 0; Y (1024) two tasks on both CPUs.
  // X can use one CPU at most, which is its half: it gets CPU 0's worth, Y the rest.
  snapshot_builder b;
  std::string x = b.group("/", "X", 1024), y = b.group("/", "Y", 1024);
  pid_t pinned = b.task(x, cpu_list({0}));
  b.task(y, cpu_list({0, 1}));
  b.task(y, cpu_list({0, 1}));
  // Z's task may only run on CPU 5, which is not in the simulated set: it never runs.
  std::string z = b.group("/", "Z", 100000);
  pid_t nowhere = b.task(z, cpu_list({5}));
  simulator sim(cpu_list({0, 1}));
  sim.update(b.get());
  sim.run(4 * kSec);
  EXPECT_EQ(sim.idle_ns(), 0u);
  EXPECT_NEAR(fraction(sim.task_time(pinned), 4 * kSec), 1.0, 0.01);
  EXPECT_NEAR(fraction(sim.group_time(y, true), 8 * kSec), 0.5, 0.01);
  EXPECT_EQ(sim.task_time(nowhere), 0u);
}

TEST(SimulatorTest, MoreCpusThanRunnableTasksRunsEveryone) {
  article t;
  pid_t s = t.b.task(t.system);
  pid_t a = t.b.task(t.a);
  simulator sim(cpu_list({0, 1, 2}));
  sim.update(t.b.get());
  sim.run(1 * kSec);
  EXPECT_EQ(sim.task_time(s), 1 * kSec);  // its own CPU, whatever its weight
  EXPECT_EQ(sim.task_time(a), 1 * kSec);
  EXPECT_EQ(sim.idle_ns(), 1 * kSec);  // the third CPU: nobody can use it
}

TEST(SimulatorTest, SharesWriteAndMoveTakeEffectAtOnce) {
  snapshot_builder b;
  std::string x = b.group("/", "X", 1024), y = b.group("/", "Y", 1024);
  pid_t tx = b.task(x);
  pid_t ty = b.task(y);
  simulator sim(cpu_list({0}));
  sim.update(b.get());
  sim.run(1 * kSec);
  EXPECT_NEAR(fraction(sim.task_time(tx), 1 * kSec), 0.5, 0.01);
  b.set_shares(x, 3072);  // echo 3072 > X/shares
  sim.update(b.get());
  uint64_t before = sim.task_time(tx);
  sim.run(1 * kSec);
  EXPECT_NEAR(fraction(sim.task_time(tx) - before, 1 * kSec), 0.75, 0.01);
  b.move(ty, x);  // echo ty > X/tasks: both in X, Y empty
  sim.update(b.get());
  before = sim.task_time(tx);
  uint64_t before_y = sim.task_time(ty);
  sim.run(1 * kSec);
  EXPECT_NEAR(fraction(sim.task_time(tx) - before, 1 * kSec), 0.5, 0.01);
  EXPECT_NEAR(fraction(sim.task_time(ty) - before_y, 1 * kSec), 0.5, 0.01);
  b.remove(ty);  // exit
  sim.update(b.get());
  before = sim.task_time(tx);
  sim.run(1 * kSec);
  EXPECT_EQ(sim.task_time(tx) - before, 1 * kSec);
}

TEST(SimulatorTest, Deterministic) {
  auto once = [] {
    article t;
    pid_t s = t.b.task(t.system);
    t.b.task(t.a);
    t.b.task(t.bg, cpu_list({1}));
    simulator sim(cpu_list({0, 1}), 300000);
    sim.update(t.b.get());
    sim.set_pattern(s, {.run_ns = 3 * kMs, .sleep_ns = 7 * kMs});
    sim.run(3 * kSec);
    std::vector<uint64_t> out;
    for (const auto& task : t.b.get().tasks) out.push_back(sim.task_time(task.pid));
    out.push_back(sim.idle_ns());
    return out;
  };
  EXPECT_EQ(once(), once());
}

}  // namespace
}  // namespace uk::sched::testing
