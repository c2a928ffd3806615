// A synthetic uk-run trace with a build's mix, for the replay benchmark
// (replay_bench.sh): `make -j8` under a shell in a cpuacct container: every job is a
// fork, an exec of sh, an exec of the compiler, an exit and a reap, and every fourth
// job reads the container's `usage` and `tasks` (open, read, read at EOF, close).
//
//   replay_trace_gen EVENTS FILE
//
// The trace is written by uk-run's own recorder (harness/replay/trace_recorder.h) on a
// kernel that runs the workload, so its lines and results are what uk-run would
// record. The host inputs are made up (deterministic): no process here is real.
#include <fcntl.h>
#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#include "absl/synchronization/mutex.h"
#include "harness/replay/trace_recorder.h"
#include "subsys/registry.h"
#include "uk/kernel.h"
#include "vfs/syscalls.h"

namespace {

// uk-run's recorder with made-up host readings in place of the host's.
class synthetic_recorder : public ukrun::trace_recorder {
 public:
  using trace_recorder::trace_recorder;
  std::optional<uint64_t> input(uk::input_kind kind, pid_t key,
                                absl::FunctionRef<std::optional<uint64_t>()>) override {
    uint64_t v = kind == uk::input_kind::clock ? (tick_ += 1000) : 1000ull * key + tick_;
    return trace_recorder::input(kind, key, [v] { return std::optional<uint64_t>(v); });
  }

 private:
  uint64_t tick_ = 0;
};

void must(long r, const char* what) {
  if (r < 0) {
    fprintf(stderr, "replay_trace_gen: %s: error %ld\n", what, -r);
    exit(1);
  }
}

void read_file(uk::task_struct& t, const std::string& path) {
  long fd = uk::sys_open(t, path.c_str(), O_RDONLY);
  must(fd, "open");
  char buf[4096];
  while (uk::sys_pread64(t, static_cast<int>(fd), buf, sizeof buf, 0) > 0 &&
         uk::sys_pread64(t, static_cast<int>(fd), buf, sizeof buf, sizeof buf) > 0) {
  }
  uk::sys_close(t, static_cast<int>(fd));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: replay_trace_gen EVENTS FILE\n");
    return 2;
  }
  // A lock-order graph node per task_lock ever taken: not what is measured here.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  uint64_t events = strtoull(argv[1], nullptr, 10);
  FILE* out = fopen(argv[2], "we");
  if (out == nullptr) {
    perror(argv[2]);
    return 2;
  }
  static char buf[1 << 20];
  setvbuf(out, buf, _IOFBF, sizeof buf);
  synthetic_recorder rec(out, ukrun::trace_header{1, "uk-run", true}, /*flush_each_line=*/false);
  uk::kernel_config cfg;
  uk::cpumask_t cpus;
  cpus.set(0);
  cpus.set(1);
  uk::nodemask_t mems;
  mems.set(0);
  cfg.topo = uk::topology(cpus, mems);
  cfg.init_comm = "uk-run";
  cfg.init_is_real = true;
  cfg.recorder = &rec;
  {
    uk::kernel k(uk::default_subsys_registry(), cfg);
    uk::task_struct& init = *k.init_task();
    constexpr unsigned long kFlags = CLONE_FILES | CLONE_FS;  // as the tracker forks
    must(uk::sys_mkdir(init, "/c", 0755), "mkdir");
    must(uk::sys_mount(init, "cpuacct", "/c", "container", 0, "cpuacct"), "mount");
    must(uk::sys_mkdir(init, "/c/build", 0755), "mkdir");
    pid_t next = 100;
    uk::task_struct* sh = k.do_fork(&init, kFlags, next++).value();
    k.do_exec(sh, "/bin/sh");
    long fd = uk::sys_open(*sh, "/c/build/tasks", O_WRONLY);
    must(fd, "open tasks");
    std::string me = std::to_string(sh->pid);
    must(uk::sys_pwrite64(*sh, static_cast<int>(fd), me.data(), me.size(), 0), "attach");
    uk::sys_close(*sh, static_cast<int>(fd));
    uk::task_struct* make = k.do_fork(sh, kFlags, next++).value();
    k.do_exec(make, "/usr/bin/make");
    std::deque<uk::task_struct*> jobs;
    uint64_t n = 0;
    while (rec.lines() < events) {
      if (next >= 4000000) next = 300;  // pids wrap below pid_max, past the long-lived ones
      uk::task_struct* job = k.do_fork(make, kFlags, next++).value();
      k.do_exec(job, "/bin/sh");
      k.do_exec(job, "/usr/bin/cc");
      jobs.push_back(job);
      if (++n % 4 == 0) {
        read_file(*job, "/c/build/usage");
        read_file(*job, "/c/build/tasks");
      }
      if (jobs.size() >= 8) {
        uk::task_struct* done = jobs.front();
        jobs.pop_front();
        k.do_exit(done, 0);
        k.release_task(done);
      }
    }
    rec.close();
  }
  fclose(out);
  return 0;
}
