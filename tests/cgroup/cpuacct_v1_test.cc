// The cgroup flavour's cpuacct files (today's kernel/sched/cpuacct.c): usage is
// hierarchical, as cpuacct_charge adds to the group and every ancestor (Linux 2.6.29+),
// and reset by a write of 0 (not the root's); the per-CPU and per-mode files split it;
// cpuacct.stat is cputime_adjust()ed. The patch's usage counts the group's own tasks only.
#include <sched.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"
#include "subsys/cpuacct.h"
#include "tests/cgroup/v1_kernel.h"
#include "tests/util/file_helpers.h"
#include "uk/kernel.h"
#include "uk/task.h"
#include "vfs/syscalls.h"

namespace uk::testing {
namespace {

// A host whose threads' times and splits the test sets; a thread not in `ns` is gone.
class fake_host : public cputime_hooks, public reaped_time_hooks {
 public:
  std::optional<uint64_t> cputime(pid_t, pid_t tid, bool) override {
    auto it = ns.find(tid);
    if (it == ns.end()) return std::nullopt;
    return it->second;
  }
  std::optional<cpu_split> split(pid_t, pid_t tid, bool) override {
    auto it = splits.find(tid);
    if (it == splits.end() || !ns.contains(tid)) return std::nullopt;
    return it->second;
  }
  void forked(pid_t, pid_t) override {}
  void charged(pid_t, uint64_t) override {}
  reaped_cputime take_reaped(pid_t, bool) override { return std::exchange(reaped, {}); }
  absl::flat_hash_map<pid_t, uint64_t> ns;
  absl::flat_hash_map<pid_t, cpu_split> splits;
  reaped_cputime reaped;
};

class CpuacctV1Test : public V1KernelTest {
 protected:
  // A kernel on CPUs 0 and 1, the groups' files mounted at /c.
  void two_cpus() {
    boot(2);
    ASSERT_EQ(mount("/c", "cpuacct"), 0);
  }
  // A simulated task in `group` that may run on `cpu` only.
  task_struct& on_cpu(const std::string& group, int cpu) {
    task_struct& t = spawn(init());
    move(t, group);
    absl::MutexLock l(&t.alloc_lock);
    t.cpus_allowed.reset();
    t.cpus_allowed.set(cpu);
    return t;
  }
  cpuacct_subsys& cpuacct() {
    return *static_cast<cpuacct_subsys*>(k_->containers().subsys(cpuacct_subsys_id));
  }
  // A task in `group` that has run `ns`.
  task_struct& ran(const std::string& group, uint64_t ns) {
    task_struct& t = spawn(init());
    move(t, group);
    cpuacct().charge(&t, ns);
    return t;
  }
  std::string usage(const std::string& group, const char* name) {
    return read_file(init(), group + "/" + name);
  }
  // On two CPUs, with `host` as cpuacct's hooks until unhook(): a real task of
  // `pid` in a new group /c/a, which the host says has run for no time yet.
  task_struct& real_task_in_a(fake_host& host, pid_t pid) {
    two_cpus();
    EXPECT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
    cpuacct().set_cputime_hooks(&host);
    cpuacct().set_reaped_time_hooks(&host);
    auto forked = k_->do_fork(&init(), 0, pid);
    EXPECT_TRUE(forked.ok());
    host.ns[pid] = 0;
    host.splits[pid] = cpu_split{};
    move(**forked, "/c/a");
    return **forked;
  }
  // Before the test's host goes.
  void unhook() {
    cpuacct().set_cputime_hooks(nullptr);
    cpuacct().set_reaped_time_hooks(nullptr);
  }
};

TEST_F(CpuacctV1Test, TodaysUsageIsHierarchicalAndResets) {
  ASSERT_EQ(sys_mkdir(init(), "/c", 0755), 0);
  ASSERT_EQ(sys_mount(init(), "none", "/c", "cgroup", 0, "cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/c/a/b", 0755), 0);
  ran("/c/a", 100);
  task_struct& t = ran("/c/a/b", 20);
  EXPECT_EQ(usage("/c/a/b", "cpuacct.usage"), "20\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "120\n");
  EXPECT_EQ(usage("/c", "cpuacct.usage"), "120\n");
  EXPECT_EQ(write_file(init(), "/c/a/cpuacct.usage", "1"), -EINVAL);
  EXPECT_EQ(write_file(init(), "/c/a/cpuacct.usage", "0"), 1);
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "0\n");
  EXPECT_EQ(usage("/c/a/b", "cpuacct.usage"), "20\n");  // only the group written
  EXPECT_EQ(write_file(init(), "/c/cpuacct.usage", "0"), 1);
  EXPECT_EQ(usage("/c", "cpuacct.usage"), "120\n");  // the root's is kept
  // A removed child's time stays with its ancestors.
  cpuacct().charge(&t, 5);
  std::string pid = std::to_string(t.pid);
  ASSERT_EQ(write_file(init(), "/c/tasks", pid), static_cast<long>(pid.size()));
  ASSERT_EQ(sys_rmdir(init(), "/c/a/b"), 0);
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "5\n");
  EXPECT_EQ(usage("/c", "cpuacct.usage"), "125\n");
}

TEST_F(CpuacctV1Test, ThePatchsUsageIsTheGroupsOwn) {
  ASSERT_EQ(sys_mkdir(init(), "/v", 0755), 0);
  ASSERT_EQ(sys_mount(init(), "none", "/v", "container", 0, "cpuacct"), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a", 0755), 0);
  ASSERT_EQ(sys_mkdir(init(), "/v/a/b", 0755), 0);
  ran("/v/a", 100);
  ran("/v/a/b", 20);
  EXPECT_EQ(usage("/v/a", "usage"), "100\n");
  EXPECT_EQ(usage("/v/a/b", "usage"), "20\n");
  EXPECT_EQ(write_file(init(), "/v/a/usage", "0"), -EINVAL);
}

// A simulated task's time is user time on the first CPU it may use; each file shows its
// share of the counts, per possible CPU where it is a list.
TEST_F(CpuacctV1Test, TodaysFilesSplitByCpuAndMode) {
  two_cpus();
  ASSERT_EQ(sys_mkdir(init(), "/c/a", 0755), 0);
  cpuacct().charge(&on_cpu("/c/a", 0), 100);
  cpuacct().charge(&on_cpu("/c/a", 1), 20);
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "120\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_user"), "120\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_sys"), "0\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_percpu"), "100 20 \n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_percpu_user"), "100 20 \n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_percpu_sys"), "0 0 \n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_all"), "cpu user system\n0 100 0\n1 20 0\n");
  EXPECT_EQ(usage("/c", "cpuacct.usage_percpu"), "100 20 \n");
  EXPECT_EQ(usage("/c/a", "cpuacct.stat"), "user 0\nsystem 0\n");  // in 10 ms ticks
  // Only usage is writable; a reset zeroes every count of the group.
  EXPECT_EQ(write_file(init(), "/c/a/cpuacct.usage_user", "0"), -EINVAL);
  EXPECT_EQ(write_file(init(), "/c/a/cpuacct.usage", "0"), 1);
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_all"), "cpu user system\n0 0 0\n1 0 0\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_user"), "0\n");
  EXPECT_EQ(usage("/c", "cpuacct.usage_all"), "cpu user system\n0 100 0\n1 20 0\n");
}

// A real task's stretch goes to the CPU its reading found it on, split as its utime and
// stime grew; what its process reaped, split as the hooks say. A task gone before its
// reading charges what its process reaped on the CPU it was last seen on.
TEST_F(CpuacctV1Test, RealTasksAreSplitAsTheHostSaysTheyRan) {
  fake_host host;
  task_struct& t = real_task_in_a(host, 600);
  host.ns[600] = 500;
  host.splits[600] = cpu_split{.utime = 300, .stime = 200, .cpu = 1};
  host.reaped = reaped_cputime{.ns = 40, .user = 30};
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_all"), "cpu user system\n0 0 0\n1 330 210\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_percpu"), "0 540 \n");
  host.ns.erase(600);
  host.reaped = reaped_cputime{.ns = 7, .user = 0};
  k_->do_exit(&t, 0);
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_all"), "cpu user system\n0 0 0\n1 330 217\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "547\n");
  unhook();
}

// A host on which the process is reaped by its parent right after the first reading of
// it, whichever kind: then its time is only in the reaper's counts, less what uk
// charged from the readings before (as cputime_host subtracts what was charged).
class reaped_after_one_reading : public fake_host {
 public:
  std::optional<uint64_t> cputime(pid_t tgid, pid_t tid, bool whole) override {
    auto r = fake_host::cputime(tgid, tid, whole);
    reap(tid);
    return r;
  }
  std::optional<cpu_split> split(pid_t tgid, pid_t tid, bool whole) override {
    auto r = fake_host::split(tgid, tid, whole);
    reap(tid);
    return r;
  }
  void charged(pid_t, uint64_t ns) override { charged_ns += ns; }
  reaped_cputime take_reaped(pid_t, bool) override {
    reaped_cputime r = std::exchange(reaped, {});
    r.ns = r.ns > charged_ns ? r.ns - charged_ns : 0;
    r.user = std::min(r.user, r.ns);
    return r;
  }
  void reap(pid_t tid) {
    if (!reap_armed) return;
    reap_armed = false;
    reaped = reaped_cputime{.ns = ns[tid], .user = splits[tid].utime};
    ns.erase(tid);
  }
  bool reap_armed = false;
  uint64_t charged_ns = 0;
};

// Found under load: a settle read the clock, the parent reaped the process, and the
// split's /proc read found nothing, so 199 ms went to usage with no user or system
// part. The split is read first now: the process is then gone for both, and its whole
// time comes as reaped time, split as the reaper's cutime and cstime grew.
TEST_F(CpuacctV1Test, AProcessReapedBetweenItsReadingsKeepsItsSplit) {
  reaped_after_one_reading host;
  task_struct& t = real_task_in_a(host, 800);
  host.ns[800] = 500;
  host.splits[800] = cpu_split{.utime = 300, .stime = 200, .cpu = 1};
  host.reap_armed = true;
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "500\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_user"), "300\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.usage_sys"), "200\n");
  k_->do_exit(&t, 0);
  unhook();
}

// cpuacct.stat is cputime_adjust() of the group's counts (kernel/sched/cputime.c): user
// and system scaled to sum to usage, in clock ticks, never going backwards, so a reset
// of usage leaves it until usage has grown past it again.
TEST_F(CpuacctV1Test, StatIsCputimeAdjustedAndMonotonic) {
  fake_host host;
  task_struct& t = real_task_in_a(host, 700);
  // 3 s ran; the host's times say 1 s user, 0.5 s system: scaled, 2 s and 1 s.
  host.ns[700] = 3000000000;
  host.splits[700] = cpu_split{.utime = 1000000000, .stime = 500000000};
  EXPECT_EQ(usage("/c/a", "cpuacct.stat"), "user 200\nsystem 100\n");
  // Now all of the next second is system time: stime 1 s of 2 s scaled to 4 s = 2 s.
  host.ns[700] = 4000000000;
  host.splits[700] = cpu_split{.utime = 1000000000, .stime = 1000000000};
  EXPECT_EQ(usage("/c/a", "cpuacct.stat"), "user 200\nsystem 200\n");
  ASSERT_EQ(write_file(init(), "/c/a/cpuacct.usage", "0"), 1);
  host.ns[700] = 5000000000;
  host.splits[700] = cpu_split{.utime = 2000000000, .stime = 1000000000};
  EXPECT_EQ(usage("/c/a", "cpuacct.usage"), "1000000000\n");
  EXPECT_EQ(usage("/c/a", "cpuacct.stat"), "user 200\nsystem 200\n");
  // Without any system time, all of it is user time; stime stays where it was.
  ASSERT_EQ(sys_mkdir(init(), "/c/b", 0755), 0);
  move(t, "/c/b");
  host.ns[700] = 6000000000;
  host.splits[700] = cpu_split{.utime = 3000000000, .stime = 1000000000};
  EXPECT_EQ(usage("/c/b", "cpuacct.stat"), "user 100\nsystem 0\n");
  k_->do_exit(&t, 0);
  unhook();
}

}  // namespace
}  // namespace uk::testing
