// Real host processes under the cpuset and cpuacct subsystems: a forked child is
// mirrored as a real task (kernel::do_fork with its pid); cpuset moves its host
// affinity (checklist rows 98, 99 on the host) and cpuacct charges its host CPU time
// (row 107), read by uk-run's cputime_host.
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "harness/affinity_host.h"
#include "harness/cputime_host.h"
#include "harness/host_topology.h"
#include "tests/subsys/subsys_fixture.h"

namespace uk::testing {
namespace {

// A forked child that pauses or burns CPU until killed; killed and reaped on scope
// exit, whatever the test's outcome.
[[noreturn]] void burn_cpu() {
  for (unsigned long i = 0;; i++) asm volatile("" : "+r"(i));  // not optimised away
}

class child_process {
 public:
  // With `threads` > 1 the child burns CPU in that many threads.
  explicit child_process(bool burn, int threads = 1) {
    pid_ = ::fork();
    if (pid_ == 0) {
      if (burn) {
        for (int i = 1; i < threads; i++) std::thread(burn_cpu).detach();
        burn_cpu();
      }
      for (;;) ::pause();
    }
  }
  ~child_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

cpumask_t host_affinity(pid_t pid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(pid, sizeof set, &set) != 0) return cpumask_t();
  return ukrun::from_cpu_set(set);
}

uint64_t host_schedstat_ns(pid_t pid, pid_t tid = 0) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid ? tid : pid) +
                   "/schedstat");
  uint64_t ns = 0;
  in >> ns;
  return ns;
}

class RealProcessTest : public SubsysTest {
 protected:
  void SetUp() override {
    // The host's own maps: affinity must name CPUs that exist.
    k_.reset();
    kernel_config cfg;
    cfg.topo = topology(ukrun::read_host_topology());
    k_ = std::make_unique<kernel>(default_subsys_registry(), cfg);
    // uk-run's host side of the cpuset: the affinity of real tasks.
    affinity_ = std::make_unique<ukrun::affinity_host>(*k_, nullptr);
    // cpuacct reads the host's CPU clocks through uk-run's hooks.
    cputime_ = std::make_unique<ukrun::cputime_host>(k());
    // The CPUs this test may use: online and in our own affinity.
    usable_ = host_affinity(0) & k().topo().cpu_online_mask();
    ASSERT_TRUE(usable_.any());
  }
  task_struct& mirror(pid_t pid, task_struct* parent = nullptr, unsigned long flags = 0) {
    auto t = k().do_fork(parent ? parent : &init(), flags, pid);
    EXPECT_TRUE(t.ok());
    return *t.value();
  }
  int nth_usable(int n) {
    for (int cpu = 0; cpu < NR_CPUS; cpu++) {
      if (usable_.test(cpu) && n-- == 0) return cpu;
    }
    return -1;
  }
  std::string first_node() {
    nodemask_t mems = k().topo().node_states(N_MEMORY);
    for (int n = 0; n < MAX_NUMNODES; n++) {
      if (mems.test(n)) return std::to_string(n);
    }
    return "0";
  }

  void TearDown() override {
    cputime_.reset();
    affinity_.reset();
    SubsysTest::TearDown();
  }

  std::unique_ptr<ukrun::affinity_host> affinity_;
  cpumask_t usable_;
  std::unique_ptr<ukrun::cputime_host> cputime_;
};

TEST_F(RealProcessTest, Row98_Row99_CpusetMovesHostAffinity) {
  ASSERT_EQ(mount("/cs", "cpuset"), 0);
  int a = nth_usable(0);
  make_cpuset("/cs/a", std::to_string(a), first_node());
  child_process child(false);
  ASSERT_GT(child.pid(), 0);
  task_struct& t = mirror(child.pid());
  ASSERT_GT(attach("/cs/a", t), 0);
  cpumask_t want;
  want.set(a);
  EXPECT_EQ(host_affinity(child.pid()), want);
  EXPECT_EQ(cpus_allowed_of(t), want);

  if (usable_.count() < 2) GTEST_SKIP() << "one usable CPU: cannot widen";
  int b = nth_usable(1);
  std::string list = std::to_string(a) + "," + std::to_string(b);
  ASSERT_EQ(write("/cs/a/cpus", list), long(list.size()));
  want.set(b);
  EXPECT_EQ(host_affinity(child.pid()), want);
  EXPECT_EQ(cpus_allowed_of(t), want);
}

TEST_F(RealProcessTest, Row107_CpuacctChargesHostCpuTime) {
  ASSERT_EQ(mount("/acct", "cpuacct"), 0);
  ASSERT_EQ(mkdir("/acct/a"), 0);
  child_process child(true);
  ASSERT_GT(child.pid(), 0);
  task_struct& t = mirror(child.pid());
  ASSERT_GT(attach("/acct/a", t), 0);

  uint64_t u0 = std::stoull(read("/acct/a/usage"));
  uint64_t s0 = host_schedstat_ns(child.pid());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  uint64_t u1 = std::stoull(read("/acct/a/usage"));
  uint64_t s1 = host_schedstat_ns(child.pid());

  ASSERT_GT(s1, s0);
  double ran = double(s1 - s0);
  EXPECT_NEAR(double(u1 - u0), ran, 0.1 * ran);
  // Nothing of it went to the root, where the child no longer is.
  uint64_t root0 = std::stoull(read("/acct/usage"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(std::stoull(read("/acct/usage")), root0);
}

TEST_F(RealProcessTest, CpuacctChargesTheContainerLeftOnAttach) {
  ASSERT_EQ(mount("/acct", "cpuacct"), 0);
  ASSERT_EQ(mkdir("/acct/a"), 0);
  ASSERT_EQ(mkdir("/acct/b"), 0);
  child_process child(true);
  ASSERT_GT(child.pid(), 0);
  task_struct& t = mirror(child.pid());
  ASSERT_GT(attach("/acct/a", t), 0);
  // The child runs in a for 100 ms of wall time and at least until it has had some CPU.
  uint64_t ran_from = host_schedstat_ns(child.pid());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 100 && host_schedstat_ns(child.pid()) == ran_from; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(attach("/acct/b", t), 0);
  // a was charged at the move, without being read while the child was in it.
  uint64_t a = std::stoull(read("/acct/a/usage"));
  EXPECT_GT(a, 0u);
  // b is charged once the child has run there (on a loaded machine that can take a
  // while: up to 5 s); a meanwhile stays as it was.
  uint64_t b = 0;
  for (int i = 0; i < 100 && b == 0; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    b = std::stoull(read("/acct/b/usage"));
  }
  EXPECT_GT(b, 0u);
  EXPECT_EQ(std::stoull(read("/acct/a/usage")), a);
  // Exit charges the last stretch and forgets the thread.
  k().do_exit(&t, 0);
}

// A single-threaded process is read through its process CPU clock, which still answers
// for a zombie: everything it ran is charged by its exit, as much as its parent's wait4
// reports: to the root until the attach (the child runs from its fork on; a loaded or
// sanitized run takes milliseconds to get there), to a after it.
TEST_F(RealProcessTest, CpuacctChargesAKilledProcessInFullAtExit) {
  ASSERT_EQ(mount("/acct", "cpuacct"), 0);
  ASSERT_EQ(mkdir("/acct/a"), 0);
  pid_t pid = ::fork();
  if (pid == 0) burn_cpu();
  ASSERT_GT(pid, 0);
  task_struct& t = mirror(pid);
  ASSERT_GT(attach("/acct/a", t), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(pid, SIGKILL);
  siginfo_t info;
  ASSERT_EQ(::waitid(P_PID, pid, &info, WEXITED | WNOWAIT), 0);  // a zombie now
  k().do_exit(&t, 0);
  uint64_t usage = std::stoull(read("/acct/usage")) + std::stoull(read("/acct/a/usage"));
  struct rusage ru;
  ASSERT_EQ(::wait4(pid, nullptr, 0, &ru), pid);
  double ran = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
  ASSERT_GT(ran, 0);
  EXPECT_NEAR(double(usage), ran, 0.05 * ran + 1e6);
}

// Once uk knows a second thread, each thread is charged its own time: the leader's is
// no longer the process clock, which would count the other thread twice.
TEST_F(RealProcessTest, CpuacctChargesEachThreadOnce) {
  ASSERT_EQ(mount("/acct", "cpuacct"), 0);
  ASSERT_EQ(mkdir("/acct/a"), 0);
  child_process child(true, 2);
  ASSERT_GT(child.pid(), 0);
  pid_t tid = 0;
  for (int i = 0; i < 200 && tid == 0; i++) {
    std::string task_dir = "/proc/" + std::to_string(child.pid()) + "/task";
    for (const auto& e : std::filesystem::directory_iterator(task_dir)) {
      pid_t id = std::stoi(e.path().filename().string());
      if (id != child.pid()) tid = id;
    }
    if (tid == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(tid, 0);
  task_struct& leader = mirror(child.pid());
  task_struct& thread =
      mirror(tid, &leader, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND);
  ASSERT_GT(attach("/acct/a", leader), 0);
  ASSERT_GT(attach("/acct/a", thread), 0);

  uint64_t u0 = std::stoull(read("/acct/a/usage"));
  uint64_t s0 = host_schedstat_ns(child.pid()) + host_schedstat_ns(child.pid(), tid);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  uint64_t u1 = std::stoull(read("/acct/a/usage"));
  uint64_t s1 = host_schedstat_ns(child.pid()) + host_schedstat_ns(child.pid(), tid);
  ASSERT_GT(s1, s0);
  double ran = double(s1 - s0);
  EXPECT_NEAR(double(u1 - u0), ran, 0.1 * ran);
  k().do_exit(&thread, 0);
  k().do_exit(&leader, 0);
}

}  // namespace
}  // namespace uk::testing
