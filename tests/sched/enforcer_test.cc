// The enforcer's policy against a fake host: a one-CPU machine that shares its time
// equally among the runnable threads that are not stopped (as the host's CFS does
// inside one group), and records every SIGSTOP / SIGCONT.
#include "sched/enforcer.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/sched/sched_fixture.h"

namespace uk::sched::testing {
namespace {

constexpr uint64_t kPeriod = 10000000;  // 10 ms

class fake_host : public host_ops {
 public:
  struct thread {
    pid_t tgid;
    uint64_t cputime = 0;
    char state = 'R';  // what it would be if nobody stopped it
    bool user_stopped = false;
    bool gone = false;
  };
  std::optional<sample> read_thread(pid_t tgid, pid_t tid) override {
    auto it = threads.find(tid);
    if (it == threads.end() || it->second.gone) return std::nullopt;
    const thread& t = it->second;
    bool stopped = t.user_stopped || enforcer_stopped.count(tgid);
    return sample{t.cputime, stopped ? 'T' : t.state};
  }
  void stop(pid_t tgid) override {
    stops++;
    EXPECT_FALSE(enforcer_stopped.count(tgid)) << "stopped twice: " << tgid;
    enforcer_stopped.insert(tgid);
  }
  void resume(pid_t tgid) override {
    resumes++;
    enforcer_stopped.erase(tgid);
    for (auto& [tid, t] : threads) {
      if (t.tgid == tgid) t.user_stopped = false;  // SIGCONT resumes whoever stopped it
    }
  }
  // `ns` of one CPU, shared equally by the runnable threads nobody stopped. Returns
  // how much of it went unused.
  uint64_t advance(uint64_t ns) {
    std::vector<thread*> running;
    for (auto& [tid, t] : threads) {
      if (!t.gone && t.state == 'R' && !t.user_stopped && !enforcer_stopped.count(t.tgid)) {
        running.push_back(&t);
      }
    }
    for (thread* t : running) t->cputime += ns / running.size();
    return running.empty() ? ns : 0;
  }

  std::map<pid_t, thread> threads;  // by tid
  std::set<pid_t> enforcer_stopped;
  int stops = 0, resumes = 0;
};

struct rig {
  snapshot_builder b;
  fake_host host;
  share_snapshot current() {
    share_snapshot s = b.get();
    for (auto& t : s.tasks) t.real = true;
    std::erase_if(s.tasks, [this](const share_task& t) { return host.threads.at(t.pid).gone; });
    return s;
  }
  pid_t task(const std::string& path, char state = 'R') {
    pid_t pid = b.task(path);
    host.threads[pid] = {pid, 0, state};
    return pid;
  }
  std::unique_ptr<share_enforcer> enforcer(pid_t exempt = 0) {
    return std::make_unique<share_enforcer>(
        [this] { return current(); }, host,
        share_enforcer::options{kPeriod, cpu_list({0}), exempt});
  }
  // `n` periods of host time, each followed by a control step; returns idle host time.
  uint64_t run(share_enforcer& e, int n) {
    uint64_t idle = 0;
    for (int i = 0; i < n; i++) {
      idle += host.advance(kPeriod);
      e.tick();
    }
    return idle;
  }
  uint64_t time(pid_t pid) { return host.threads.at(pid).cputime; }
};

TEST(EnforcerTest, ArticleSplitOnOneCpu) {
  rig r;
  std::string sys = r.b.group("/", "System", 1024), guests = r.b.group("/", "Guests", 9216);
  std::string a = r.b.group(guests, "A", 2048), bg = r.b.group(guests, "B", 1024);
  pid_t s = r.task(sys), a1 = r.task(a), a2 = r.task(a), b1 = r.task(bg);
  auto e = r.enforcer();
  e->tick();
  uint64_t idle = r.run(*e, 1000);
  uint64_t total = r.time(s) + r.time(a1) + r.time(a2) + r.time(b1);
  EXPECT_EQ(idle, 0u);
  EXPECT_NEAR(fraction(r.time(s), total), 0.10, 0.01);
  EXPECT_NEAR(fraction(r.time(a1) + r.time(a2), total), 0.60, 0.01);
  EXPECT_NEAR(fraction(r.time(b1), total), 0.30, 0.01);
  EXPECT_NEAR(fraction(r.time(a1), total), 0.30, 0.01);  // equal inside A
  e->shutdown();
  EXPECT_TRUE(r.host.enforcer_stopped.empty());
  EXPECT_TRUE(e->stopped().empty());
}

TEST(EnforcerTest, OneContainerIsLeftToTheHost) {
  rig r;
  std::string x = r.b.group("/", "X", 100);
  r.task(x);
  r.task(x);
  r.task(x);
  auto e = r.enforcer();
  r.run(*e, 100);
  EXPECT_EQ(r.host.stops, 0);
}

TEST(EnforcerTest, SleepersAreNeverStoppedAndTheCpuNeverIdles) {
  rig r;
  std::string sys = r.b.group("/", "System", 1024), guests = r.b.group("/", "Guests", 9216);
  std::string a = r.b.group(guests, "A", 2048), bg = r.b.group(guests, "B", 1024);
  pid_t s = r.task(sys, 'S');
  pid_t a1 = r.task(a), b1 = r.task(bg);
  auto e = r.enforcer();
  e->tick();
  uint64_t idle = r.run(*e, 300);
  EXPECT_EQ(idle, 0u);
  EXPECT_FALSE(r.host.enforcer_stopped.count(s));
  EXPECT_NEAR(fraction(r.time(a1), r.time(a1) + r.time(b1)), 2.0 / 3, 0.01);
  // System wakes up: it gets its 10% from the next periods on.
  r.host.threads[s].state = 'R';
  uint64_t s0 = r.time(s), a0 = r.time(a1), b0 = r.time(b1);
  idle = r.run(*e, 1000);
  EXPECT_EQ(idle, 0u);
  uint64_t ds = r.time(s) - s0, da = r.time(a1) - a0, db = r.time(b1) - b0;
  EXPECT_NEAR(fraction(ds, ds + da + db), 0.10, 0.01);
  EXPECT_NEAR(fraction(da, ds + da + db), 0.60, 0.01);
}

TEST(EnforcerTest, FollowsSharesWritesAndMoves) {
  rig r;
  std::string x = r.b.group("/", "X", 1024), y = r.b.group("/", "Y", 1024);
  pid_t tx = r.task(x), ty = r.task(y);
  auto e = r.enforcer();
  e->tick();
  r.run(*e, 200);
  EXPECT_NEAR(fraction(r.time(tx), r.time(tx) + r.time(ty)), 0.5, 0.02);
  r.b.set_shares(x, 3072);
  uint64_t x0 = r.time(tx), y0 = r.time(ty);
  r.run(*e, 400);
  uint64_t dx = r.time(tx) - x0, dy = r.time(ty) - y0;
  EXPECT_NEAR(fraction(dx, dx + dy), 0.75, 0.02);
  // Both in X: one container, so the enforcer lets everything run.
  r.b.move(ty, x);
  e->tick();
  EXPECT_TRUE(r.host.enforcer_stopped.empty());
}

TEST(EnforcerTest, ExitedProcessIsForgotten) {
  rig r;
  std::string x = r.b.group("/", "X", 1024), y = r.b.group("/", "Y", 1024);
  pid_t tx = r.task(x), ty = r.task(y);
  auto e = r.enforcer();
  e->tick();
  ASSERT_EQ(e->stopped().size(), 1u);  // one CPU, two contenders
  pid_t victim = *e->stopped().begin();
  r.host.threads[victim].gone = true;
  e->tick();
  EXPECT_TRUE(e->stopped().empty());
  pid_t other = victim == tx ? ty : tx;
  EXPECT_FALSE(r.host.enforcer_stopped.count(other));
}

TEST(EnforcerTest, UserStoppedProcessIsLeftAlone) {
  rig r;
  std::string x = r.b.group("/", "X", 1024), y = r.b.group("/", "Y", 1024);
  pid_t tx = r.task(x), ty = r.task(y);
  r.host.threads[ty].user_stopped = true;  // kill -STOP by the user
  auto e = r.enforcer();
  uint64_t idle = r.run(*e, 50);
  EXPECT_EQ(idle, 0u);
  EXPECT_EQ(r.host.resumes, 0);  // never SIGCONT
  EXPECT_EQ(r.host.stops, 0);
  EXPECT_EQ(r.time(tx), 50 * kPeriod);
  EXPECT_TRUE(r.host.threads[ty].user_stopped);
}

TEST(EnforcerTest, FrozenProcessIsNeverResumed) {
  rig r;
  std::string x = r.b.group("/", "X", 1024), y = r.b.group("/", "Y", 1024);
  pid_t tx = r.task(x), ty = r.task(y);
  std::set<pid_t> frozen;
  auto e = std::make_unique<share_enforcer>(
      [&r] { return r.current(); }, r.host,
      share_enforcer::options{kPeriod, cpu_list({0}), 0,
                              [&frozen](pid_t tgid) { return frozen.contains(tgid); }});
  r.run(*e, 5);
  ASSERT_EQ(e->stopped().size(), 1u);
  pid_t victim = *e->stopped().begin();
  pid_t other = victim == tx ? ty : tx;
  frozen.insert(victim);  // the freezer stops it too (SIGSTOP)
  r.host.threads[victim].user_stopped = true;
  uint64_t before = r.time(victim), other_before = r.time(other);
  uint64_t idle = r.run(*e, 50);
  EXPECT_EQ(idle, 0u);
  EXPECT_EQ(r.time(victim), before);  // never SIGCONTed
  EXPECT_TRUE(r.host.threads[victim].user_stopped);
  EXPECT_EQ(r.time(other), other_before + 50 * kPeriod);
  EXPECT_TRUE(e->stopped().empty());
  e->shutdown();
  EXPECT_TRUE(r.host.threads[victim].user_stopped);  // not even at the end
  // A frozen process that a stray SIGCONT resumed is stopped again.
  r.host.threads[victim].user_stopped = false;
  r.host.enforcer_stopped.clear();
  auto e2 = std::make_unique<share_enforcer>(
      [&r] { return r.current(); }, r.host,
      share_enforcer::options{kPeriod, cpu_list({0}), 0,
                              [&frozen](pid_t tgid) { return frozen.contains(tgid); }});
  e2->tick();
  EXPECT_TRUE(r.host.enforcer_stopped.count(victim));
}

TEST(EnforcerTest, ExemptProcessIsNeverStopped) {
  rig r;
  std::string x = r.b.group("/", "X", 2), y = r.b.group("/", "Y", 100000);
  pid_t init = r.task(x);
  r.task(y);
  auto e = r.enforcer(init);
  r.run(*e, 100);
  EXPECT_EQ(r.host.stops, 0);
  EXPECT_GT(r.time(init), 0u);
}

TEST(EnforcerTest, KickWakesTheControlThread) {
  rig r;
  std::string x = r.b.group("/", "X", 1024);
  r.task(x);
  share_enforcer::options o{3600ull * 1000000000, cpu_list({0}), 0};  // period: an hour
  std::atomic<int> calls{0};
  share_enforcer e(
      [&] {
        calls++;
        return r.current();
      },
      r.host, o);
  e.start();
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(calls.load(), 0);
  e.kick();
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (calls.load() == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(calls.load(), 1);
  e.shutdown();
  EXPECT_EQ(e.get_stats().ticks, 1u);
}

}  // namespace
}  // namespace uk::sched::testing
