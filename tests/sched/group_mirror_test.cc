// The group mirror against a fake host: exactly which groups it makes, which shares it
// writes and which threads it moves, for the article's hierarchy and its changes.
#include "sched/group_mirror.h"

#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/sched/sched_fixture.h"

namespace uk::sched::testing {
namespace {

class fake_groups : public host_groups {
 public:
  bool per_thread() const override { return threads_mode; }
  int make(const std::string& path) override {
    log.push_back("make " + path);
    if (fail_make.count(path)) return EACCES;
    if (!groups.count(parent(path))) return ENOENT;
    return groups.emplace(path, 0).second ? 0 : EEXIST;
  }
  int remove(const std::string& path) override {
    log.push_back("remove " + path);
    if (!groups.count(path)) return ENOENT;
    for (const auto& [tid, g] : where_now) {
      if (g == path) return EBUSY;
    }
    for (const auto& [g, s] : groups) {
      if (g != path && parent(g) == path) return EBUSY;
    }
    groups.erase(path);
    return 0;
  }
  int set_shares(const std::string& path, uint64_t shares) override {
    log.push_back("shares " + path + " " + std::to_string(shares));
    groups[path] = shares;
    return 0;
  }
  int move(pid_t tgid, pid_t tid, const std::string& path) override {
    log.push_back("move " + std::to_string(tid) + " " + path);
    if (gone.count(tid)) return ESRCH;
    if (!groups.count(path)) return ENOENT;
    where_now[tid] = path;
    return 0;
  }
  std::optional<std::string> where(pid_t tgid, pid_t tid) override {
    asked++;
    auto it = where_now.find(tid);
    if (it == where_now.end()) return std::nullopt;
    return it->second;
  }
  static std::string parent(const std::string& p) {
    size_t slash = p.rfind('/');
    return slash == 0 ? "/" : p.substr(0, slash);
  }
  std::vector<std::string> take_log() { return std::exchange(log, {}); }

  bool threads_mode = true;
  std::map<std::string, uint64_t> groups = {{"/", 0}};
  std::map<pid_t, std::string> where_now;  // absent: outside the subtree
  std::set<pid_t> gone;
  std::set<std::string> fail_make;
  std::vector<std::string> log;
  int asked = 0;
};

struct rig {
  snapshot_builder b;
  fake_groups host;
  bool mounted = true;
  int first_mounts = 0;
  group_mirror mirror{[this]() -> std::optional<share_snapshot> {
                        if (!mounted) return std::nullopt;
                        share_snapshot s = b.get();
                        for (auto& t : s.tasks) t.real = true;
                        return s;
                      },
                      host, group_mirror::options{.on_first_mount = [this] { first_mounts++; }}};
};

using log_t = std::vector<std::string>;

TEST(GroupMirrorTest, MirrorsTheArticleHierarchy) {
  rig r;
  std::string sys = r.b.group("/", "System", 1024), guests = r.b.group("/", "Guests", 9216);
  std::string a = r.b.group(guests, "A", 2048), bg = r.b.group(guests, "B", 1024);
  pid_t s = r.b.task(sys), a1 = r.b.task(a), top = r.b.task("/");
  EXPECT_FALSE(r.mirror.sync());
  EXPECT_EQ(
      r.host.take_log(),
      (log_t{"make /System", "shares /System 1024", "make /Guests", "shares /Guests 9216",
             "make /Guests/A", "shares /Guests/A 2048", "make /Guests/B", "shares /Guests/B 1024",
             "move " + std::to_string(s) + " /System", "move " + std::to_string(a1) + " /Guests/A",
             "move " + std::to_string(top) + " /"}));
  EXPECT_EQ(r.first_mounts, 1);
  // Nothing changed: nothing written, nobody asked.
  int asked = r.host.asked;
  EXPECT_FALSE(r.mirror.sync());
  EXPECT_TRUE(r.host.take_log().empty());
  EXPECT_EQ(r.host.asked, asked);
  EXPECT_EQ(r.first_mounts, 1);
  EXPECT_EQ(r.mirror.get_stats().moves, 3u);
}

TEST(GroupMirrorTest, FollowsSharesMovesForksAndRemovals) {
  rig r;
  std::string x = r.b.group("/", "X", 1024), y = r.b.group("/", "Y", 1024);
  pid_t t = r.b.task(x);
  r.mirror.sync();
  r.host.take_log();
  r.b.set_shares(x, 100);
  r.b.move(t, y);
  r.mirror.sync();
  EXPECT_EQ(r.host.take_log(), (log_t{"shares /X 100", "move " + std::to_string(t) + " /Y"}));
  // A fork: the host put the child where its parent is; uk agrees, so it is not moved.
  pid_t child = r.b.task(y);
  r.host.where_now[child] = "/Y";
  r.mirror.sync();
  EXPECT_TRUE(r.host.take_log().empty());
  // A fork the host put elsewhere (its parent moved meanwhile): moved.
  pid_t late = r.b.task(x);
  r.host.where_now[late] = "/Y";
  r.mirror.sync();
  EXPECT_EQ(r.host.take_log(), (log_t{"move " + std::to_string(late) + " /X"}));
  // `late` moves to Y and X is removed in uk (the builder cannot remove a group: a new
  // one, whose pids 100, 101 and 102 are t, child and late again).
  r.b = snapshot_builder();
  r.b.group("/", "Y", 1024);
  for (pid_t p : {t, child, late}) EXPECT_EQ(r.b.task("/Y"), p);
  EXPECT_FALSE(r.mirror.sync());
  EXPECT_EQ(r.host.take_log(), (log_t{"move " + std::to_string(late) + " /Y", "remove /X"}));
  EXPECT_EQ(r.mirror.groups().count("/X"), 0u);
}

TEST(GroupMirrorTest, RemovalWaitsForTheLastTasksDeepestFirst) {
  rig r;
  std::string g = r.b.group("/", "G", 1024);
  std::string h = r.b.group(g, "H", 1024);
  pid_t t = r.b.task(h);
  r.mirror.sync();
  r.host.take_log();
  r.b = snapshot_builder();
  // uk removed both; the host still shows the exiting task in /G/H.
  EXPECT_TRUE(r.mirror.sync());
  EXPECT_EQ(r.host.take_log(), (log_t{"remove /G/H", "remove /G"}));
  r.host.where_now.erase(t);
  EXPECT_FALSE(r.mirror.sync());
  EXPECT_EQ(r.host.take_log(), (log_t{"remove /G/H", "remove /G"}));
  EXPECT_TRUE(r.mirror.groups().empty());
  EXPECT_EQ(r.host.groups.size(), 1u);
}

TEST(GroupMirrorTest, NeverMountedTouchesNothingAndUnmountMovesBack) {
  rig r;
  r.mounted = false;
  r.host.where_now[7] = "outside";
  EXPECT_FALSE(r.mirror.sync());
  EXPECT_TRUE(r.host.take_log().empty());
  EXPECT_EQ(r.first_mounts, 0);
  r.mounted = true;
  std::string x = r.b.group("/", "X", 512);
  pid_t t = r.b.task(x);
  r.mirror.sync();
  r.host.take_log();
  r.mounted = false;
  EXPECT_FALSE(r.mirror.sync());
  EXPECT_EQ(r.host.take_log(), (log_t{"move " + std::to_string(t) + " /", "remove /X"}));
  EXPECT_FALSE(r.mirror.sync());
  EXPECT_TRUE(r.host.take_log().empty());
}

TEST(GroupMirrorTest, ExemptGoneAndFailuresAreRetried) {
  snapshot_builder b;
  fake_groups host;
  std::string x = b.group("/", "X", 1024), bad = b.group("/", "Bad", 1024);
  pid_t sup = b.task("/"), t = b.task(x), dead = b.task(x), waiting = b.task(bad);
  host.gone.insert(dead);
  host.fail_make.insert("/Bad");
  group_mirror m(
      [&]() -> std::optional<share_snapshot> {
        share_snapshot s = b.get();
        for (auto& st : s.tasks) st.real = true;
        return s;
      },
      host, {.exempt_tgid = sup});
  EXPECT_TRUE(m.sync());  // /Bad could not be made: retried
  EXPECT_EQ(host.take_log(),
            (log_t{"make /X", "shares /X 1024", "make /Bad", "move " + std::to_string(t) + " /X",
                   "move " + std::to_string(dead) + " /X"}));
  EXPECT_EQ(m.get_stats().errors, 1u);
  host.fail_make.clear();
  EXPECT_FALSE(m.sync());
  EXPECT_EQ(host.take_log(),
            (log_t{"make /Bad", "shares /Bad 1024", "move " + std::to_string(waiting) + " /Bad"}));
}

TEST(GroupMirrorTest, PerThreadOrByLeader) {
  for (bool per_thread : {true, false}) {
    snapshot_builder b;
    fake_groups host;
    host.threads_mode = per_thread;
    std::string x = b.group("/", "X", 1024), y = b.group("/", "Y", 1024);
    pid_t leader = b.task(x), thread = b.task(y);
    share_snapshot s = b.get();
    for (auto& t : s.tasks) {
      t.real = true;
      t.tgid = leader;  // `thread` is a thread of `leader`'s process, attached to Y
    }
    group_mirror m([&]() -> std::optional<share_snapshot> { return s; }, host, {});
    m.sync();
    log_t want = {"make /X", "shares /X 1024", "make /Y", "shares /Y 1024",
                  "move " + std::to_string(leader) + " /X"};
    if (per_thread) want.push_back("move " + std::to_string(thread) + " /Y");
    EXPECT_EQ(host.take_log(), want) << per_thread;
  }
}

TEST(GroupMirrorTest, ThreadWorksAfterKicks) {
  rig r;
  std::string x = r.b.group("/", "X", 300);
  r.b.task(x);
  r.mirror.start();
  for (int i = 0; i < 500 && r.mirror.get_stats().moves == 0; i++) {
    r.mirror.kick();
    absl::SleepFor(absl::Milliseconds(2));
  }
  r.mirror.shutdown();
  EXPECT_EQ(r.mirror.get_stats().moves, 1u);
  EXPECT_EQ(r.host.groups.at("/X"), 300u);
}

}  // namespace
}  // namespace uk::sched::testing
