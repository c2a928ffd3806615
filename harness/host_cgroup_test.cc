// host_cgroup's parsing, the shares-to-weight conversion, and both backends of the
// run's subtree against a temporary directory laid out as a cgroupfs: a cgroup2 subtree
// delegated with cpu (which this host cannot give: its cgroup2 has no controllers) and
// a v1 cpu hierarchy, with the removal of subtrees that dead runs left. The subtree on
// the real host: tests/e2e:cpu_host_test and subtree_sweep_test.
#include "harness/host_cgroup.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "sched/group_mirror.h"

namespace ukrun {
namespace {

constexpr char kProcCgroup[] =
    "9:name=systemd:/\n"
    "2:cpuacct:/\n"
    "1:cpu,cpuacct:/user.slice/a b\n"
    "0::/user.slice/user-1000.slice/session-2.scope\n";

TEST(HostCgroupTest, CgroupOf) {
  EXPECT_EQ(cgroup_of(kProcCgroup, "cpu"), "/user.slice/a b");
  EXPECT_EQ(cgroup_of(kProcCgroup, "cpuacct"), "/");  // the first line naming it
  EXPECT_EQ(cgroup_of(kProcCgroup, ""), "/user.slice/user-1000.slice/session-2.scope");
  EXPECT_EQ(cgroup_of(kProcCgroup, "freezer"), std::nullopt);
  EXPECT_EQ(cgroup_of("1:cpuset:/x\n", "cpu"), std::nullopt);  // a prefix is not a match
}

constexpr char kMountinfo[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "33 31 0:30 /lxc/c1 /sys/fs/cgroup/cpu\\040x rw,relatime shared:9 - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "40 31 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(HostCgroupTest, FindCgroupMount) {
  auto cpu = find_cgroup_mount(kMountinfo, "cpu");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->dir, "/sys/fs/cgroup/cpu x");
  EXPECT_EQ(cpu->root, "/lxc/c1");
  auto v2 = find_cgroup_mount(kMountinfo, "");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->dir, "/sys/fs/cgroup/unified");
  EXPECT_EQ(find_cgroup_mount(kMountinfo, "freezer"), std::nullopt);
}

// kernel/sched/sched.h: sched_weight_to_cgroup(w) = clamp(DIV_ROUND_CLOSEST(w * 100, 1024),
// 1, 10000); cpu.weight 100 and cpu.shares 1024 are both the default.
TEST(HostCgroupTest, SharesToWeight) {
  EXPECT_EQ(shares_to_weight(1024), 100u);
  EXPECT_EQ(shares_to_weight(9216), 900u);
  EXPECT_EQ(shares_to_weight(2048), 200u);
  EXPECT_EQ(shares_to_weight(100), 10u);          // 9.77 rounds to 10
  EXPECT_EQ(shares_to_weight(2), 1u);             // the minimum
  EXPECT_EQ(shares_to_weight(1u << 20), 10000u);  // the maximum
  EXPECT_EQ(shares_to_weight(1029), 100u);        // 100.49
  EXPECT_EQ(shares_to_weight(1030), 101u);        // 100.59
}

namespace fs = std::filesystem;

// A cgroupfs in a temporary directory, with the kernel's rules that the subtree's layout
// must obey. A mkdir makes the control files of the version (cgroup2: cgroup.procs,
// cgroup.controllers listing what the parent's cgroup.subtree_control enables,
// cgroup.subtree_control, and cpu.weight where cpu is enabled; v1 cpu: tasks,
// cgroup.procs, cpu.shares); an rmdir drops them, EBUSY while a child directory is left.
// A write is appended as a line, so a file reads back every write uk made, in order.
// cgroup2's refusals: a controller its parent does not give (ENOENT), a process in a
// cgroup that gives controllers to children (EBUSY: no internal processes), a weight
// outside 1..10000 (ERANGE).
class temp_cgroupfs final : public cgroupfs_ops {
 public:
  explicit temp_cgroupfs(bool v2) : v2_(v2) {}
  int mkdir(int dirfd, const std::string& path) const override {
    if (mkdirat(dirfd, path.c_str(), 0755) != 0) return errno;
    fs::path dir = path_of(dirfd, path);
    std::string given = text(dir.parent_path() / "cgroup.subtree_control");
    bool cpu = absl::StrContains(given, "cpu");
    if (v2_) {
      make(dir / "cgroup.controllers", cpu ? "cpu\n" : "");
      make(dir / "cgroup.subtree_control", "");
      make(dir / "cgroup.procs", "");
      if (cpu) make(dir / "cpu.weight", "");
    } else {
      for (const char* f : {"tasks", "cgroup.procs", "cpu.shares"}) make(dir / f, "");
    }
    return 0;
  }
  int rmdir(int dirfd, const std::string& path) const override {
    fs::path dir = path_of(dirfd, path);
    if (!fs::is_directory(dir)) return ENOENT;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_directory()) return EBUSY;
    }
    fs::remove_all(dir);
    return 0;
  }
  int write(int dirfd, const std::string& file, const std::string& t) const override {
    fs::path f = path_of(dirfd, file);
    if (!fs::exists(f)) return ENOENT;
    std::string name = f.filename();
    if (v2_ && name == "cgroup.subtree_control" &&
        !absl::StrContains(text(f.parent_path() / "cgroup.controllers"), t.substr(1))) {
      return ENOENT;
    }
    if (v2_ && name == "cgroup.procs" &&
        !text(f.parent_path() / "cgroup.subtree_control").empty()) {
      return EBUSY;
    }
    if (v2_ && name == "cpu.weight" && (std::stoull(t) < 1 || std::stoull(t) > 10000)) {
      return ERANGE;
    }
    std::ofstream(f, std::ios::app) << t << "\n";
    return 0;
  }
  static std::string text(const fs::path& f) {
    std::stringstream ss;
    ss << std::ifstream(f).rdbuf();
    return ss.str();
  }

 private:
  static fs::path path_of(int dirfd, const std::string& path) {
    return fs::read_symlink("/proc/self/fd/" + std::to_string(dirfd)) / path;
  }
  static void make(const fs::path& f, const std::string& t) { std::ofstream(f) << t; }
  const bool v2_;
};

// Every directory below `root`, relative, sorted.
std::string dirs_below(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_directory()) out.push_back(fs::relative(e.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return absl::StrJoin(out, " ");
}

// The article's hierarchy with shares 100 (System), 9216 (Guests), 2048 (Guests/A):
// a process of one thread in each container but Guests and the top, and one of two
// threads in Guests/A (the second thread in Guests, so its process is split).
uk::sched::share_snapshot article() {
  uk::sched::share_snapshot s;
  s.groups = {{"/", -1, 1024}, {"/System", 0, 100}, {"/Guests", 0, 9216}, {"/Guests/A", 2, 2048}};
  s.tasks = {{101, 101, true, 0}, {102, 102, true, 1}, {103, 103, true, 3}, {104, 103, true, 2}};
  return s;
}

class HostSubtreeTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("cgroupfs." + std::to_string(getpid()));
    parent_ = root_ / "delegated";
    fs::create_directories(parent_);
    if (v2()) {
      // A cgroup2 subtree delegated to the user with cpu given to its children.
      std::ofstream(parent_ / "cgroup.controllers") << "cpu memory pids\n";
      std::ofstream(parent_ / "cgroup.subtree_control") << "cpu\n";
      std::ofstream(parent_ / "cgroup.procs") << "";
    } else {
      std::ofstream(parent_ / "cpu.shares") << "1024\n";
      std::ofstream(parent_ / "tasks") << "";
    }
  }
  void TearDown() override { fs::remove_all(root_); }
  bool v2() const { return GetParam(); }
  std::string file(const std::string& rel) { return temp_cgroupfs::text(sub_ / rel); }

  fs::path root_, parent_, sub_;
  temp_cgroupfs fs_{GetParam()};
};

// Exactly what uk asks of the host, from the subtree's making to its removal.
TEST_P(HostSubtreeTest, MirrorsTheArticlesHierarchyAndIsRemoved) {
  auto s = make_host_subtree_at(v2(), parent_, "/delegated", "uk-run.1.test", fs_);
  ASSERT_TRUE(s.ok()) << s.status();
  sub_ = parent_ / "uk-run.1.test";
  EXPECT_EQ(s->cgroup_path, "/delegated/uk-run.1.test");
  if (v2()) {
    EXPECT_EQ(file("cgroup.subtree_control"), "+cpu\n");
    EXPECT_EQ(dirs_below(sub_), "tasks");
  }
  uk::sched::share_snapshot snap = article();
  auto groups = make_host_groups(*s);
  uk::sched::group_mirror mirror([&] { return snap; }, *groups, {});
  EXPECT_FALSE(mirror.sync());  // nothing to retry
  if (v2()) {
    // Each container a cgroup giving cpu to its children, its processes in a leaf.
    EXPECT_EQ(dirs_below(sub_),
              "Guests Guests/A Guests/A/tasks Guests/tasks System System/tasks tasks");
    for (const char* g : {"Guests", "Guests/A", "System"}) {
      EXPECT_EQ(file(std::string(g) + "/cgroup.subtree_control"), "+cpu\n") << g;
    }
    // sched_weight_to_cgroup(): DIV_ROUND_CLOSEST(shares * 100, 1024).
    EXPECT_EQ(file("System/cpu.weight"), "10\n");
    EXPECT_EQ(file("Guests/cpu.weight"), "900\n");
    EXPECT_EQ(file("Guests/A/cpu.weight"), "200\n");
    // Whole processes, where their leaders are.
    EXPECT_EQ(file("tasks/cgroup.procs"), "101\n");
    EXPECT_EQ(file("System/tasks/cgroup.procs"), "102\n");
    EXPECT_EQ(file("Guests/A/tasks/cgroup.procs"), "103\n");
    EXPECT_EQ(file("Guests/tasks/cgroup.procs"), "");
  } else {
    EXPECT_EQ(dirs_below(sub_), "Guests Guests/A System");
    EXPECT_EQ(file("System/cpu.shares"), "100\n");
    EXPECT_EQ(file("Guests/cpu.shares"), "9216\n");
    EXPECT_EQ(file("Guests/A/cpu.shares"), "2048\n");
    // Every thread, each where its own container is.
    EXPECT_EQ(file("tasks"), "101\n");
    EXPECT_EQ(file("System/tasks"), "102\n");
    EXPECT_EQ(file("Guests/A/tasks"), "103\n");
    EXPECT_EQ(file("Guests/tasks"), "104\n");
  }

  // echo 200 > System/shares; the thread in Guests/A moves to Guests; rmdir Guests/A.
  snap.groups[1].shares = 200;
  snap.groups.pop_back();
  snap.tasks[2].group = 2;
  EXPECT_FALSE(mirror.sync());
  EXPECT_EQ(file(v2() ? "System/cpu.weight" : "System/cpu.shares"),
            v2() ? "10\n20\n" : "100\n200\n");
  EXPECT_EQ(file(v2() ? "Guests/tasks/cgroup.procs" : "Guests/tasks"),
            v2() ? "103\n" : "104\n103\n");
  EXPECT_EQ(dirs_below(sub_),
            v2() ? "Guests Guests/tasks System System/tasks tasks" : "Guests System");

  EXPECT_TRUE(remove_host_subtree(*s, absl::Seconds(1)));
  EXPECT_FALSE(fs::exists(sub_));
  EXPECT_EQ(dirs_below(root_), "delegated");
}

// A cgroup2 parent that does not give cpu to its children: nothing is made there.
TEST_P(HostSubtreeTest, NothingIsMadeWhereCpuIsNotGiven) {
  std::ofstream(parent_ / (v2() ? "cgroup.subtree_control" : "cpu.shares"), std::ios::trunc)
      << (v2() ? "memory\n" : "");
  auto s = make_host_subtree_at(v2(), parent_, "/delegated", "uk-run.1.test", fs_);
  if (v2()) {
    EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound) << s.status();
    EXPECT_EQ(dirs_below(root_), "delegated");
  } else {
    EXPECT_TRUE(s.ok()) << s.status();  // v1 asks R's cpu.shares, which the mkdir made
    EXPECT_TRUE(remove_host_subtree(*s, absl::Seconds(1)));
  }
}

// The subtrees of runs killed with their cleanup helper (a subreaper runner kills every
// descendant) go when the next run makes its own: a uk-run.<pid>.* whose pid is gone and
// whose lock is free. One whose lock is held, one whose pid lives and any other cgroup
// stay; the new subtree is locked while it lives.
TEST_P(HostSubtreeTest, AbandonedSubtreesOfDeadRunsAreRemoved) {
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  ASSERT_EQ(waitpid(dead, nullptr, 0), dead);
  const std::string gone = "uk-run." + std::to_string(dead) + ".gone";
  const std::string held = "uk-run." + std::to_string(dead) + ".held";
  const std::string live = "uk-run." + std::to_string(getpid()) + ".live";
  int parent = open(parent_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(parent, 0);
  for (const std::string& d :
       {gone, gone + "/A", gone + "/A/B", held, live, std::string("other")}) {
    ASSERT_EQ(fs_.mkdir(parent, d), 0) << d;
  }
  close(parent);
  int held_fd = open((parent_ / held).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_EQ(flock(held_fd, LOCK_EX | LOCK_NB), 0);

  const std::string mine = "uk-run." + std::to_string(getpid()) + ".new";
  auto s = make_host_subtree_at(v2(), parent_, "/delegated", mine, fs_);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(fs::exists(parent_ / gone));
  for (const std::string& d : {held, live, std::string("other"), mine}) {
    EXPECT_TRUE(fs::is_directory(parent_ / d)) << d;
  }
  int probe = open((parent_ / mine).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  EXPECT_NE(flock(probe, LOCK_EX | LOCK_NB), 0);  // another description: the run's lock
  EXPECT_EQ(errno, EWOULDBLOCK);
  close(probe);

  EXPECT_TRUE(remove_host_subtree(*s, absl::Seconds(1)));
  close(held_fd);
  std::vector<std::string> left = {held, live, "other"};
  std::sort(left.begin(), left.end());
  EXPECT_EQ(dirs_below(parent_), absl::StrJoin(left, " "));
}

INSTANTIATE_TEST_SUITE_P(Backends, HostSubtreeTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "cgroup2" : "v1"; });

}  // namespace
}  // namespace ukrun
