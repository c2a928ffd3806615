// sched_setaffinity against the cpuset (spec row 106), per mount flavour, with the
// host behind a fake affinity_hooks: the intersection, EINVAL when it is empty, cpus
// writes re-applied to real tasks, and the requested mask, which today's kernel keeps
// across cpuset changes (user_cpus_ptr) and 2.6.24 did not. The flavours' answers are
// the ones the host's 6.18 gives in a child of its v1 cpuset hierarchy
// (tests/e2e/taskset_test.sh checks the same steps there).
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "sched/enforcer.h"
#include "sched/snapshot.h"
#include "subsys/cpu.h"
#include "subsys/cpuset.h"
#include "tests/subsys/subsys_fixture.h"
#include "uk/container_core.h"

namespace uk::testing {
namespace {

// The host: each thread's mask, every set recorded.
class fake_affinity final : public affinity_hooks {
 public:
  std::optional<cpumask_t> get_affinity(pid_t tid) override {
    gets++;
    auto it = host.find(tid);
    if (it == host.end()) return std::nullopt;
    return it->second;
  }
  void set_affinity(pid_t tid, const cpumask_t& mask) override {
    sets.emplace_back(tid, mask);
    if (on_set) {
      on_set(tid, mask);
    } else if (host.contains(tid)) {
      host[tid] = mask;
    }
  }

  absl::flat_hash_map<pid_t, cpumask_t> host;
  std::vector<std::pair<pid_t, cpumask_t>> sets;
  int gets = 0;
  // The host's sched_setaffinity where it has more to do than store the mask.
  std::function<void(pid_t, const cpumask_t&)> on_set;
};

struct flavour_case {
  const char* fs;      // the mount's type
  const char* prefix;  // of the cpuset files
  bool keeps_request;  // today's user_cpus_ptr
};

class AffinityTest : public SubsysTest, public ::testing::WithParamInterface<flavour_case> {
 protected:
  void SetUp() override {
    SubsysTest::SetUp();
    cpuset_ = static_cast<cpuset_subsys*>(k().containers().subsys(cpuset_subsys_id));
    cpuset_->set_affinity_hooks(&host_);
  }
  void TearDown() override {
    cpuset_->set_affinity_hooks(nullptr);
    SubsysTest::TearDown();
  }
  void mount_cpuset() {
    ASSERT_EQ(sys_mkdir(init(), "/cs", 0755), 0);
    ASSERT_EQ(sys_mount(init(), "none", "/cs", GetParam().fs, 0, "cpuset"), 0);
    mounts_.push_back("/cs");
  }
  // mkdir /cs/NAME with these cpus and mems 0.
  void cpuset(const std::string& name, const std::string& list) {
    ASSERT_EQ(mkdir("/cs/" + name), 0);
    set_cpus(name, list);
    std::string mems = "/cs/" + name + "/" + GetParam().prefix + "mems";
    ASSERT_EQ(write(mems, "0"), 1);
  }
  void set_cpus(const std::string& name, const std::string& list) {
    std::string file = "/cs/" + name + "/" + GetParam().prefix + "cpus";
    ASSERT_EQ(write(file, list), long(list.size())) << file;
  }
  // `t` in a new cpuset /cs/a of these CPUs.
  task_struct& in_cpuset(const std::string& list, task_struct& t) {
    mount_cpuset();
    cpuset("a", list);
    EXPECT_GT(attach("/cs/a", t), 0);
    return t;
  }
  // A real task (the host thread is the fake's), in the top cpuset.
  task_struct& real(pid_t pid) {
    host_.host[pid] = k().topo().cpu_online_mask();
    auto t = k().do_fork(&init(), 0, pid);
    EXPECT_TRUE(t.ok());
    return *t.value();
  }

  fake_affinity host_;
  cpuset_subsys* cpuset_ = nullptr;
};

TEST_P(AffinityTest, Row106_MaskIsIntersectedWithTheCpuset) {
  task_struct& t = in_cpuset("1-2", spawn());
  EXPECT_TRUE(cpuset_->sched_setaffinity(&t, cpus("0-1")).ok());
  EXPECT_EQ(cpus_allowed_of(t), cpus("1"));
}

TEST_P(AffinityTest, Row106_EmptyIntersectionIsEinvalAndChangesNothing) {
  task_struct& t = in_cpuset("1-2", spawn());
  ASSERT_TRUE(cpuset_->sched_setaffinity(&t, cpus("2")).ok());
  EXPECT_EQ(cpuset_->sched_setaffinity(&t, cpus("0,3")), Errno(EINVAL));
  EXPECT_EQ(cpus_allowed_of(t), cpus("2"));
  // The refused mask was not kept as the request either: narrowing and widening
  // comes back to the earlier request (today) or the whole cpuset (2.6.24).
  set_cpus("a", "1");
  set_cpus("a", "1-3");
  EXPECT_EQ(cpus_allowed_of(t), GetParam().keeps_request ? cpus("2") : cpus("1-3"));
}

TEST_P(AffinityTest, CpusWritesReachRealTasksOnTheHost) {
  task_struct& t = in_cpuset("0-1", real(4242));
  EXPECT_EQ(host_.host[4242], cpus("0-1"));
  set_cpus("a", "1");
  EXPECT_EQ(host_.host[4242], cpus("1"));
  EXPECT_EQ(cpus_allowed_of(t), cpus("1"));
  // A simulated task never reaches the hooks.
  host_.sets.clear();
  task_struct& sim = spawn();
  ASSERT_GT(attach("/cs/a", sim), 0);
  EXPECT_TRUE(host_.sets.empty());
}

// The native steps: `taskset -c 1` in a cpuset of 0-1, the cpuset narrowed to 0 and
// widened again; a task without a request beside it.
TEST_P(AffinityTest, RequestedMaskAcrossCpusChanges) {
  mount_cpuset();
  cpuset("a", "0-1");
  task_struct& pinned = real(4242);
  task_struct& plain = real(4243);
  ASSERT_GT(attach("/cs/a", pinned), 0);
  ASSERT_GT(attach("/cs/a", plain), 0);
  ASSERT_TRUE(cpuset_->sched_setaffinity(&pinned, cpus("1")).ok());
  EXPECT_EQ(host_.host[4242], cpus("1"));
  set_cpus("a", "0");
  EXPECT_EQ(cpus_allowed_of(pinned), cpus("0"));
  EXPECT_EQ(cpus_allowed_of(plain), cpus("0"));
  set_cpus("a", "0-1");
  EXPECT_EQ(cpus_allowed_of(pinned), GetParam().keeps_request ? cpus("1") : cpus("0-1"));
  EXPECT_EQ(host_.host[4242], cpus_allowed_of(pinned));
  EXPECT_EQ(cpus_allowed_of(plain), cpus("0-1"));
}

// `taskset -c 0-1` in a cpuset of 0: the task runs on 0; widening gives it its request
// (today) or the whole cpuset (2.6.24).
TEST_P(AffinityTest, RequestWiderThanTheCpusetReturnsWhenItWidens) {
  task_struct& t = in_cpuset("0-3", spawn());
  set_cpus("a", "0");
  ASSERT_TRUE(cpuset_->sched_setaffinity(&t, cpus("0-1")).ok());
  EXPECT_EQ(cpus_allowed_of(t), cpus("0"));
  set_cpus("a", "0-3");
  EXPECT_EQ(cpus_allowed_of(t), GetParam().keeps_request ? cpus("0-1") : cpus("0-3"));
}

TEST_P(AffinityTest, AttachKeepsTheRequestAndForkCopiesIt) {
  mount_cpuset();
  cpuset("a", "1-2");
  task_struct& t = spawn();
  ASSERT_TRUE(cpuset_->sched_setaffinity(&t, cpus("2-3")).ok());
  ASSERT_GT(attach("/cs/a", t), 0);
  EXPECT_EQ(cpus_allowed_of(t), GetParam().keeps_request ? cpus("2") : cpus("1-2"));
  task_struct& child = spawn(&t);
  ASSERT_GT(attach("/cs", child), 0);
  EXPECT_EQ(cpus_allowed_of(child), GetParam().keeps_request ? cpus("2-3") : cpus("0-3"));
}

// An observation finds the masks real programs set themselves on the host.
TEST_P(AffinityTest, ObservationBoundsAMaskOutsideTheCpuset) {
  task_struct& t = in_cpuset("1-2", real(4242));
  // Within the cpuset: taken as it is.
  host_.host[4242] = cpus("2");
  host_.sets.clear();
  cpuset_->observe_affinity();
  EXPECT_EQ(cpus_allowed_of(t), cpus("2"));
  EXPECT_TRUE(host_.sets.empty());
  // Partly outside: the intersection, on the host too.
  host_.host[4242] = cpus("0-1");
  cpuset_->observe_affinity();
  EXPECT_EQ(cpus_allowed_of(t), cpus("1"));
  EXPECT_EQ(host_.host[4242], cpus("1"));
  // Wholly outside (the kernel says EINVAL): the previous mask comes back.
  host_.host[4242] = cpus("3");
  cpuset_->observe_affinity();
  EXPECT_EQ(cpus_allowed_of(t), cpus("1"));
  EXPECT_EQ(host_.host[4242], cpus("1"));
  // The request kept was 0-1 (the host's), not the refused 3.
  set_cpus("a", "2");
  set_cpus("a", "1-2");
  EXPECT_EQ(cpus_allowed_of(t), GetParam().keeps_request ? cpus("1") : cpus("1-2"));
}

TEST_P(AffinityTest, ObservationReadsNothingWhileCpusetIsNotMountedUnlessAsked) {
  task_struct& t = real(4242);
  host_.host[4242] = cpus("0");
  cpuset_->observe_affinity();
  EXPECT_EQ(host_.gets, 0);
  EXPECT_EQ(cpus_allowed_of(t), cpus("0-3"));
  // The signals enforcer places threads by their masks.
  cpuset_->set_track_masks(true);
  cpuset_->observe_affinity();
  EXPECT_EQ(cpus_allowed_of(t), cpus("0"));
  cpuset_->set_track_masks(false);
}

// The SIGSTOP/SIGCONT enforcer places each thread on the CPUs of its mask. Two
// processes pinned to CPU 0 (`taskset -c 0`) in containers of shares 100 and 900 on a
// two-CPU machine compete for CPU 0 only once uk has observed their real masks; before,
// each seemed to have a CPU of its own and neither was ever stopped.
class no_signals final : public sched::host_ops {
 public:
  std::optional<sample> read_thread(pid_t, pid_t) override { return sample{0, 'R'}; }
  void stop(pid_t tgid) override { stopped.insert(tgid); }
  void resume(pid_t tgid) override { stopped.erase(tgid); }
  absl::flat_hash_set<pid_t> stopped;
};

class EnforcerAffinityTest : public AffinityTest {};

TEST_P(EnforcerAffinityTest, PinnedProcessesCompeteForTheirCpu) {
  boot("0-1", "0");
  cpuset_ = static_cast<cpuset_subsys*>(k().containers().subsys(cpuset_subsys_id));
  cpuset_->set_affinity_hooks(&host_);
  ASSERT_EQ(sys_mkdir(init(), "/cpu", 0755), 0);
  ASSERT_EQ(sys_mount(init(), "none", "/cpu", GetParam().fs, 0, "cpu"), 0);
  mounts_.push_back("/cpu");
  std::string shares = std::string("/") + (GetParam().keeps_request ? "cpu." : "") + "shares";
  for (const char* name : {"light", "heavy"}) ASSERT_EQ(mkdir(std::string("/cpu/") + name), 0);
  ASSERT_EQ(write("/cpu/light" + shares, "100"), 3);
  ASSERT_EQ(write("/cpu/heavy" + shares, "900"), 3);
  task_struct& light = real(4242);
  task_struct& heavy = real(4243);
  ASSERT_GT(write("/cpu/light/tasks", "4242"), 0);
  ASSERT_GT(write("/cpu/heavy/tasks", "4243"), 0);
  host_.host[4242] = cpus("0");
  host_.host[4243] = cpus("0");

  auto* cpu = static_cast<cpu_subsys*>(k().containers().subsys(cpu_subsys_id));
  auto source = [&] {
    return sched::take_snapshot(
        k(), [cpu](const container* c) { return cpu->shares_of(c); }, sched::task_kind::real);
  };
  no_signals signals;
  sched::share_enforcer::options o;
  o.cpus = cpus("0-1");
  o.exempt_tgid = init().pid;
  sched::share_enforcer e(source, signals, o);
  e.tick();
  EXPECT_TRUE(signals.stopped.empty());  // uk's view: CPUs 0-1 each
  cpuset_->set_track_masks(true);        // as uk-run's signals mode does
  cpuset_->observe_affinity();
  EXPECT_EQ(cpus_allowed_of(light), cpus("0"));
  EXPECT_EQ(cpus_allowed_of(heavy), cpus("0"));
  e.tick();
  EXPECT_EQ(signals.stopped.size(), 1u);  // one CPU for the two
  e.shutdown();
  EXPECT_TRUE(signals.stopped.empty());
  cpuset_->set_track_masks(false);
}

// Where uk-run mirrors the cpusets into host cpusets (harness/host_cpuset.h): the fake
// host below is today's kernel in a v1 cpuset hierarchy, one cpuset per id, and the
// tests check what uk asks of it and that uk's view is the host's masks.
class fake_host_cpusets final : public host_cpusets {
 public:
  explicit fake_host_cpusets(fake_affinity& threads) : threads_(threads) {
    cpus[0] = cpus_of("0-3");
    threads_.on_set = [this](pid_t tid, const cpumask_t& mask) { setaffinity(tid, mask); };
  }
  ~fake_host_cpusets() override { threads_.on_set = nullptr; }

  int make(uint64_t id) override {
    log.push_back("make " + std::to_string(id));
    cpus[id].reset();
    return 0;
  }
  int set_cpus(uint64_t id, const cpumask_t& c) override {
    log.push_back("cpus " + std::to_string(id) + " " + bitmap_scnlistprintf(c));
    if (refuse != 0) return refuse;
    cpus[id] = c;
    for (auto& [tid, in] : cpuset_of) {
      if (in == id) place(tid);
    }
    return 0;
  }
  void remove(uint64_t id) override {
    log.push_back("remove " + std::to_string(id));
    cpus.erase(id);
  }
  int move(pid_t tgid, pid_t tid, uint64_t id) override {
    log.push_back("move " + std::to_string(tid) + " " + std::to_string(id));
    if (tid == exempt) return EPERM;
    cpuset_of[tid] = id;
    place(tid);
    return 0;
  }
  std::optional<uint64_t> where(pid_t tgid, pid_t tid) override {
    auto it = cpuset_of.find(tid);
    if (it == cpuset_of.end()) return std::nullopt;
    return it->second;
  }
  // sched_setaffinity(), the program's or the supervisor's: the intersection with the
  // thread's cpuset (EINVAL when empty), the request kept (__sched_setaffinity).
  int setaffinity(pid_t tid, const cpumask_t& mask) {
    cpumask_t m = mask & cpus[cpuset_of[tid]];
    if (m.none()) return EINVAL;
    request[tid] = mask;
    threads_.host[tid] = m;
    return 0;
  }

  absl::flat_hash_map<uint64_t, cpumask_t> cpus;  // by id; 0 the run's subtree
  absl::flat_hash_map<pid_t, uint64_t> cpuset_of;
  absl::flat_hash_map<pid_t, cpumask_t> request;  // user_cpus_ptr
  std::vector<std::string> log;
  int refuse = 0;    // the errno of every set_cpus
  pid_t exempt = 0;  // a thread move() refuses (the supervisor)

 private:
  static cpumask_t cpus_of(const std::string& list) { return testing::cpus(list); }
  // A cpuset change or a move: set_cpus_allowed_ptr() within the request if one CPU is
  // left (today's __set_cpus_allowed_ptr with user_cpus_ptr).
  void place(pid_t tid) {
    cpumask_t c = cpus[cpuset_of[tid]];
    auto r = request.find(tid);
    threads_.host[tid] = r != request.end() && (c & r->second).any() ? c & r->second : c;
  }
  fake_affinity& threads_;
};

class HostCpusetTest : public AffinityTest {
 protected:
  void SetUp() override {
    AffinityTest::SetUp();
    cpuset_->set_host_cpusets(&fake_);
  }
  void TearDown() override {
    cpuset_->set_host_cpusets(nullptr);
    AffinityTest::TearDown();
  }
  std::string cpus_file(const std::string& name) {
    return "/cs/" + name + "/" + GetParam().prefix + "cpus";
  }
  fake_host_cpusets fake_{host_};
};

TEST_P(HostCpusetTest, EveryCpusetHasAHostCpusetWithItsCpus) {
  mount_cpuset();
  cpuset("a", "1-2");
  ASSERT_EQ(mkdir("/cs/a/b"), 0);
  set_cpus("a/b", "2");
  ASSERT_EQ(sys_rmdir(init(), "/cs/a/b"), 0);
  EXPECT_EQ(fake_.log,
            (std::vector<std::string>{"make 1", "cpus 1 1-2", "make 2", "cpus 2 2", "remove 2"}));
}

// The host cpuset is written first: what it refuses changes nothing in uk.
TEST_P(HostCpusetTest, AHostRefusalChangesNothing) {
  mount_cpuset();
  cpuset("a", "1-2");
  fake_.refuse = EBUSY;
  EXPECT_EQ(write(cpus_file("a"), "1"), -EBUSY);
  EXPECT_EQ(read(cpus_file("a")), "1-2\n");
}

TEST_P(HostCpusetTest, AttachMovesRealThreadsIntoTheirHostCpuset) {
  task_struct& t = in_cpuset("1-2", real(4242));
  task_struct& sim = spawn();
  ASSERT_GT(attach("/cs/a", sim), 0);
  EXPECT_EQ(host_.host[4242], cpus("1-2"));
  EXPECT_EQ(cpus_allowed_of(t), cpus("1-2"));
  ASSERT_GT(attach("/cs", t), 0);  // the top's host cpuset is the subtree itself, id 0
  EXPECT_EQ(fake_.log,
            (std::vector<std::string>{"make 1", "cpus 1 1-2", "move 4242 1", "move 4242 0"}));
  EXPECT_EQ(cpus_allowed_of(t), cpus("0-3"));
}

// A child forked on the host just before its parent's attach, seen by uk after it: the
// host left it in the parent's old cpuset, uk counts it in the new one, so it is moved.
// One the host's fork already put in the right cpuset is not.
TEST_P(HostCpusetTest, AChildSeenAfterItsParentsAttachJoinsItsHostCpuset) {
  task_struct& parent = in_cpuset("1-2", real(4242));
  host_.host[4300] = cpus("0-3");  // forked while the parent was still in the top
  ASSERT_TRUE(k().do_fork(&parent, 0, 4300).ok());
  fake_.cpuset_of[4301] = 1;  // forked after the attach
  host_.host[4301] = cpus("1-2");
  ASSERT_TRUE(k().do_fork(&parent, 0, 4301).ok());
  EXPECT_EQ(fake_.log,
            (std::vector<std::string>{"make 1", "cpus 1 1-2", "move 4242 1", "move 4300 1"}));
  EXPECT_EQ(host_.host[4300], cpus("1-2"));
}

// The supervisor is not moved: its mask is set as without host cpusets.
TEST_P(HostCpusetTest, AThreadTheHostDoesNotMoveGetsItsMaskSet) {
  fake_.exempt = 4242;
  task_struct& t = in_cpuset("1-2", real(4242));
  EXPECT_EQ(host_.sets, (std::vector<std::pair<pid_t, cpumask_t>>{{4242, cpus("1-2")}}));
  EXPECT_EQ(cpus_allowed_of(t), cpus("1-2"));
}

// `taskset -c 0-3` in a cpuset of 0: the host runs the task on 0 and keeps 0-3 as its
// request, of which uk sees only the 0. Widening the cpuset gives it 0-3 under today's
// kernel, as the host decides (uk's own request, 0, would have kept it on 0), and the
// whole cpuset under 2.6.24, which uk sets itself.
TEST_P(HostCpusetTest, CpusChangesFollowTheHostsRequestOrResetIt) {
  task_struct& t = in_cpuset("0-3", real(4242));
  set_cpus("a", "0");
  ASSERT_EQ(fake_.setaffinity(4242, cpus("0-3")), 0);
  EXPECT_EQ(host_.host[4242], cpus("0"));
  cpuset_->observe_affinity();
  EXPECT_EQ(cpus_allowed_of(t), cpus("0"));
  set_cpus("a", "1-2");
  EXPECT_EQ(host_.host[4242], cpus("1-2"));
  EXPECT_EQ(cpus_allowed_of(t), cpus("1-2"));
  ASSERT_EQ(fake_.setaffinity(4242, cpus("2-3")), 0);  // taskset -c 2-3: the host says 2
  cpuset_->observe_affinity();
  host_.sets.clear();
  set_cpus("a", "0-3");
  EXPECT_EQ(cpus_allowed_of(t), GetParam().keeps_request ? cpus("2-3") : cpus("0-3"));
  EXPECT_EQ(host_.host[4242], cpus_allowed_of(t));
  // Today's: nothing set by uk, the host placed it. 2.6.24's: set by uk.
  EXPECT_EQ(host_.sets.size(), GetParam().keeps_request ? 0u : 1u);
}

INSTANTIATE_TEST_SUITE_P(Flavours, HostCpusetTest,
                         ::testing::Values(flavour_case{"container", "", false},
                                           flavour_case{"cgroup", "cpuset.", true}),
                         [](const auto& info) { return std::string(info.param.fs); });

INSTANTIATE_TEST_SUITE_P(Flavours, EnforcerAffinityTest,
                         ::testing::Values(flavour_case{"container", "", false},
                                           flavour_case{"cgroup", "cpuset.", true}),
                         [](const auto& info) { return std::string(info.param.fs); });

INSTANTIATE_TEST_SUITE_P(Flavours, AffinityTest,
                         ::testing::Values(flavour_case{"container", "", false},
                                           flavour_case{"cgroup", "cpuset.", true}),
                         [](const auto& info) { return std::string(info.param.fs); });

}  // namespace
}  // namespace uk::testing
