// Kernel-core benchmarks (issue 3): fork+exit, attach, mkdir+rmdir, reading `tasks`,
// path walk, fork cost against the number of mounted hierarchies, memory per task
// and per container, and the same operations on the host kernel's cgroup v1 (a
// named hierarchy of our own, removed afterwards) where it is available. After the
// runs it prints each target as a ratio measured in the same run.
//
//   bazel run -c opt //tests/bench:container_bench
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "subsys/registry.h"
#include "uk/kernel.h"
#include "vfs/syscalls.h"

namespace {

using uk::kernel;
using uk::task_struct;

std::unique_ptr<kernel> boot() {
  uk::kernel_config cfg;
  uk::cpumask_t cpus;
  cpus.set(0);
  uk::nodemask_t mems;
  mems.set(0);
  cfg.topo = uk::topology(cpus, mems);
  return std::make_unique<kernel>(uk::default_subsys_registry(), cfg);
}

void must(long r, const char* what) {
  if (r < 0) {
    std::fprintf(stderr, "%s: error %ld\n", what, -r);
    std::abort();
  }
}

// One hierarchy per subsystem first; past the five subsystems, named hierarchies of
// the cgroup flavour (`none,name=...`), which hold no subsystem.
void mount_hierarchies(kernel& k, int n) {
  // cpuacct first: its one file makes a container directory as big as the host's named
  // hierarchy's (four files), so the comparisons are fair.
  static const char* subsystems[] = {"cpuacct", "debug", "cpu", "ns", "cpuset"};
  task_struct& init = *k.init_task();
  for (int i = 0; i < n; i++) {
    std::string dir = "/h" + std::to_string(i);
    must(uk::sys_mkdir(init, dir.c_str(), 0755), "mkdir");
    if (i < 5) {
      must(uk::sys_mount(init, "none", dir.c_str(), "container", 0, subsystems[i]), "mount");
    } else {
      std::string opts = "none,name=h" + std::to_string(i);
      must(uk::sys_mount(init, "none", dir.c_str(), "cgroup", 0, opts.c_str()), "mount");
    }
  }
}

long write_str(task_struct& t, int fd, const std::string& s) {
  return uk::sys_pwrite64(t, fd, s.data(), s.size(), 0);
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// --- uk ---

void BM_ForkExit(benchmark::State& state) {
  auto k = boot();
  mount_hierarchies(*k, state.range(0));
  // A parent inside a child container of every hierarchy, as a real workload would be.
  task_struct* parent = k->do_fork(k->init_task(), 0).value();
  for (int i = 0; i < state.range(0); i++) {
    std::string dir = "/h" + std::to_string(i) + "/c";
    must(uk::sys_mkdir(*k->init_task(), dir.c_str(), 0755), "mkdir");
    if (i == 4) {  // cpuset needs cpus and mems first
      long fd = uk::sys_open(*k->init_task(), (dir + "/cpus").c_str(), O_WRONLY);
      must(write_str(*k->init_task(), fd, "0"), "cpus");
      uk::sys_close(*k->init_task(), fd);
      fd = uk::sys_open(*k->init_task(), (dir + "/mems").c_str(), O_WRONLY);
      must(write_str(*k->init_task(), fd, "0"), "mems");
      uk::sys_close(*k->init_task(), fd);
    }
    long fd = uk::sys_open(*k->init_task(), (dir + "/tasks").c_str(), O_WRONLY);
    must(write_str(*k->init_task(), fd, std::to_string(parent->pid)), "attach");
    uk::sys_close(*k->init_task(), fd);
  }
  for (auto _ : state) {
    task_struct* child = k->do_fork(parent, 0).value();
    k->do_exit(child, 0);
    k->release_task(child);
  }
}
BENCHMARK(BM_ForkExit)->Arg(1)->Arg(4)->Arg(8);

void BM_Attach(benchmark::State& state) {
  auto k = boot();
  mount_hierarchies(*k, 1);
  task_struct& init = *k->init_task();
  must(uk::sys_mkdir(init, "/h0/a", 0755), "mkdir");
  must(uk::sys_mkdir(init, "/h0/b", 0755), "mkdir");
  task_struct* t = k->do_fork(&init, 0).value();
  std::string pid = std::to_string(t->pid);
  long fa = uk::sys_open(init, "/h0/a/tasks", O_WRONLY);
  long fb = uk::sys_open(init, "/h0/b/tasks", O_WRONLY);
  for (auto _ : state) {
    must(write_str(init, fa, pid), "attach");
    must(write_str(init, fb, pid), "attach");
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_Attach);

void BM_MkdirRmdir(benchmark::State& state) {
  auto k = boot();
  mount_hierarchies(*k, 1);
  task_struct& init = *k->init_task();
  for (auto _ : state) {
    must(uk::sys_mkdir(init, "/h0/x", 0755), "mkdir");
    must(uk::sys_rmdir(init, "/h0/x"), "rmdir");
  }
}
BENCHMARK(BM_MkdirRmdir);

void BM_ReadTasks(benchmark::State& state) {
  auto k = boot();
  mount_hierarchies(*k, 1);
  task_struct& init = *k->init_task();
  must(uk::sys_mkdir(init, "/h0/c", 0755), "mkdir");
  task_struct* leader = k->do_fork(&init, 0).value();
  long fd = uk::sys_open(init, "/h0/c/tasks", O_WRONLY);
  must(write_str(init, fd, std::to_string(leader->pid)), "attach");
  uk::sys_close(init, fd);
  for (int i = 1; i < state.range(0); i++) {
    (void)k->do_fork(leader, CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES).value();
  }
  std::vector<char> buf(1 << 16);
  for (auto _ : state) {
    long rfd = uk::sys_open(init, "/h0/c/tasks", O_RDONLY);
    while (uk::sys_read(init, rfd, buf.data(), buf.size()) > 0) {
    }
    uk::sys_close(init, rfd);
  }
}
BENCHMARK(BM_ReadTasks)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_PathWalk(benchmark::State& state) {
  auto k = boot();
  mount_hierarchies(*k, 1);
  task_struct& init = *k->init_task();
  std::string path = "/h0";
  for (int i = 0; i < 8; i++) {
    path += "/d" + std::to_string(i);
    must(uk::sys_mkdir(init, path.c_str(), 0755), "mkdir");
  }
  path += "/tasks";
  struct stat st;
  for (auto _ : state) must(uk::sys_stat(init, path.c_str(), &st), "stat");
}
BENCHMARK(BM_PathWalk);

// 1M simulated tasks and 100k containers, one kernel: resident memory per object.
void BM_Memory(benchmark::State& state) {
  for (auto _ : state) {
    long before = rss_kib();
    auto k = boot();
    mount_hierarchies(*k, 2);
    task_struct& init = *k->init_task();
    long booted = rss_kib();
    for (int i = 0; i < 100000; i++) {
      std::string dir = "/h0/c" + std::to_string(i);
      must(uk::sys_mkdir(init, dir.c_str(), 0755), "mkdir");
    }
    long with_containers = rss_kib();
    for (int i = 0; i < 1000000; i++) (void)k->do_fork(&init, 0).value();
    long with_tasks = rss_kib();
    state.counters["bytes_per_container"] = (with_containers - booted) * 1024.0 / 100000;
    state.counters["bytes_per_task"] = (with_tasks - with_containers) * 1024.0 / 1000000;
    state.counters["total_MiB"] = (with_tasks - before) / 1024.0;
  }
}
BENCHMARK(BM_Memory)->Iterations(1)->Unit(benchmark::kMillisecond);

// --- the host kernel's cgroup v1, on a named hierarchy of our own ---

class host_hierarchy {
 public:
  host_hierarchy() {
    dir_ = "/tmp/uk-bench-cgroup-" + std::to_string(getpid());
    if (mkdir(dir_.c_str(), 0755) != 0) return;
    std::string opts = "none,name=ukbench" + std::to_string(getpid());
    if (mount("none", dir_.c_str(), "cgroup", 0, opts.c_str()) != 0) {
      rmdir(dir_.c_str());
      return;
    }
    ok_ = true;
  }
  ~host_hierarchy() {
    if (!ok_) return;
    // Back to the root, children removed, then the hierarchy goes with the umount.
    write_file(dir_ + "/tasks", std::to_string(gettid()));
    rmdir((dir_ + "/a").c_str());
    rmdir((dir_ + "/b").c_str());
    rmdir((dir_ + "/x").c_str());
    // The kernel unlinks a removed cgroup from its parent asynchronously (RCU, then a
    // workqueue), and an umount that still finds one keeps the hierarchy on the host
    // until it is mounted and unmounted again (tests/cgroup/host_v1.sh). Remounting from
    // this process made a new hierarchy each time while the old one died, so it waits
    // here instead, before the umount.
    usleep(300000);
    umount(dir_.c_str());
    rmdir(dir_.c_str());
  }
  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  static void write_file(const std::string& path, const std::string& s) {
    int fd = open(path.c_str(), O_WRONLY);
    if (fd >= 0) {
      (void)!write(fd, s.data(), s.size());
      close(fd);
    }
  }

 private:
  std::string dir_;
  bool ok_ = false;
};

void BM_HostAttach(benchmark::State& state) {
  host_hierarchy h;
  if (!h.ok()) return state.SkipWithError("no cgroup v1 named hierarchy (needs root)");
  mkdir((h.dir() + "/a").c_str(), 0755);
  mkdir((h.dir() + "/b").c_str(), 0755);
  std::string tid = std::to_string(gettid());
  int fa = open((h.dir() + "/a/tasks").c_str(), O_WRONLY);
  int fb = open((h.dir() + "/b/tasks").c_str(), O_WRONLY);
  for (auto _ : state) {
    if (pwrite(fa, tid.data(), tid.size(), 0) < 0 || pwrite(fb, tid.data(), tid.size(), 0) < 0) {
      return state.SkipWithError("host tasks write failed");
    }
  }
  close(fa);
  close(fb);
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_HostAttach);

void BM_HostMkdirRmdir(benchmark::State& state) {
  host_hierarchy h;
  if (!h.ok()) return state.SkipWithError("no cgroup v1 named hierarchy (needs root)");
  std::string x = h.dir() + "/x";
  for (auto _ : state) {
    if (mkdir(x.c_str(), 0755) != 0 || rmdir(x.c_str()) != 0) {
      return state.SkipWithError("host mkdir/rmdir failed");
    }
  }
}
BENCHMARK(BM_HostMkdirRmdir);

// Collects every run's time so the ratios can be printed at the end.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal (the smoke test greps the output).
  ratio_reporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (!r.error_occurred)
        ns_[r.benchmark_name()] =
            r.GetAdjustedCPUTime() * (r.time_unit == benchmark::kMicrosecond   ? 1e3
                                      : r.time_unit == benchmark::kMillisecond ? 1e6
                                                                               : 1.0);
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratios() {
    std::printf("\nRatios of CPU time (same run):\n");
    ratio("attach: host kernel / uk (target >= 10)", "BM_HostAttach", "BM_Attach");
    ratio("mkdir+rmdir: host kernel / uk (target >= 10)", "BM_HostMkdirRmdir", "BM_MkdirRmdir");
    ratio("fork+exit: 8 hierarchies / 1 (target <= 1.2)", "BM_ForkExit/8", "BM_ForkExit/1");
    ratio("fork+exit: 4 hierarchies / 1", "BM_ForkExit/4", "BM_ForkExit/1");
  }

 private:
  void ratio(const char* what, const std::string& num, const std::string& den) {
    if (!ns_.count(num) || !ns_.count(den)) {
      std::printf("  %-48s n/a (not measured)\n", what);
      return;
    }
    std::printf("  %-48s %.2f\n", what, ns_[num] / ns_[den]);
  }
  std::map<std::string, double> ns_;
};

}  // namespace

int main(int argc, char** argv) {
  // Abseil's debug-mode lock-order graph keeps a node per mutex ever locked: with a
  // task_lock per task it would dominate both time and memory of a million tasks.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
