// uk-replay's engine: a trace (trace_format.h) fed line by line into a fresh
// in-process kernel whose tasks carry the recorded pids (real tasks, as uk-run's are,
// so every code path is the recorded one); no host is touched: the recorded host
// inputs are fed back through the kernel's entry_recorder seam.
//
// Only outermost entries are executed. Nested ones (an attach inside a tasks write)
// and release-agent runs are consequences: the replayed kernel's own are compared with
// the recorded ones. Memory is bounded by the live tasks, open files and hierarchies of
// the trace, never by its length: lines are streamed.
//
// Single-threaded, except the kernel's worker (release agents), whose entries reach
// the replay recorder on its own thread: agents_mu_ guards what it hands over.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "harness/replay/flavour_map.h"
#include "harness/replay/replay_recorder.h"
#include "harness/replay/trace_format.h"
#include "subsys/cpuacct.h"
#include "subsys/cpuset.h"
#include "subsys/freezer.h"
#include "uk/kernel.h"

namespace ukrun {

// A recorded result the replay did not reproduce.
struct divergence {
  uint64_t seq = 0;
  size_t line = 0;
  std::string what;  // the operation: "write /c/cpu/tasks \"abc\"", "fork by 7"
  std::string recorded, replayed;
};

struct replay_stats {
  uint64_t events = 0;  // entry lines (nested ones included), inputs and notes not
  uint64_t by_kind[static_cast<size_t>(uk::kLastEntryKind) + 1] = {};
  uint64_t tasks_created = 0, live_tasks = 0, peak_tasks = 0;
  uint64_t containers_created = 0, live_containers = 0, peak_containers = 0;
};

class replayer {
 public:
  struct options {
    // "container" or "cgroup": every hierarchy of either flavour is mounted with
    // this one, its control files renamed (flavour_map.h). Empty: as recorded.
    std::string flavour;
    // --verify: stop at the first divergence. Otherwise go on and keep the first
    // divergence of each object (a path, a file's path, a task); later states may
    // drift from the recorded ones, the replay is not steered back.
    bool stop_at_first = false;
  };

  explicit replayer(options o);
  ~replayer();
  replayer(const replayer&) = delete;
  replayer& operator=(const replayer&) = delete;

  // One line of the trace, without its newline; `lineno` counts from 1. An error is
  // bad input (the caller names the line); a divergence is not an error.
  absl::Status feed(std::string_view line, size_t lineno);
  // The end of the trace: release-agent runs still unmatched diverge.
  absl::Status finish();

  // The divergences kept (one per object; with stop_at_first at most one), and how
  // many there were in all.
  const std::vector<divergence>& divergences() const { return divergences_; }
  uint64_t nr_divergences() const { return nr_divergences_; }
  bool stopped() const { return stopped_; }
  const replay_stats& stats() const { return stats_; }
  // The flavour of the recorded hierarchies ("container", "cgroup", or both).
  std::string recorded_flavours() const;
  // `uk-run --tree` of the replayed kernel now.
  std::string tree();

 private:
  struct mount_info {
    std::string type, data;  // as mounted in the replay
    std::string recorded_type;
    uint64_t order = 0;  // mount order: the tree lists hierarchies in it, as uk-run does
  };

  absl::Status boot();
  absl::Status execute(const trace_record& r, size_t lineno);
  // The system call of `r` on the replayed kernel as task `t`; its result.
  absl::StatusOr<long> run_syscall(const trace_record& r, uk::task_struct& t);
  absl::StatusOr<long> run_rules(const trace_record& r, uk::task_struct& init);
  absl::Status observe(const trace_record& r, size_t lineno);
  void check_inputs(const trace_record& r, size_t lineno);
  // `path` as the replay's flavour names it.
  std::string map_path(const std::string& path) const;
  std::string object_of(const trace_record& r) const;
  std::string describe(const trace_record& r) const;
  void diverge(const trace_record& r, size_t lineno, std::string what, std::string object,
               std::string recorded, std::string replayed);
  void compare_nested(const trace_record& r, size_t lineno);
  void compare_agents(size_t lineno);
  int map_fd(int recorded) const;
  int map_closed_fd(int recorded) const;

  const options opts_;
  const flavour_map* names_ = nullptr;         // with --flavour only
  std::unique_ptr<replay_recorder> recorder_;  // outlives kernel_
  class no_host_freezer : public uk::freezer_hooks {
    void freeze(pid_t) override {}
    void thaw(pid_t) override {}
    bool stopped(pid_t) override { return false; }  // never asked: the seam answers
  } freezer_hooks_;
  // Installed as uk-run installs its own (cpuacct then takes init's baseline); the seam
  // answers every reading.
  class no_host_cputime : public uk::cputime_hooks {
    std::optional<uint64_t> cputime(pid_t, pid_t, bool) override { return std::nullopt; }
  } cputime_hooks_;
  // Reaped time and CPU masks the same way: the seam answers from the trace (a trace
  // before version 3 has neither: none reaped, no thread left to observe).
  class no_host_reaped : public uk::reaped_time_hooks {
    void forked(pid_t, pid_t) override {}
    void charged(pid_t, uint64_t) override {}
    uk::reaped_cputime take_reaped(pid_t, bool) override { return {}; }
  } reaped_hooks_;
  class no_host_affinity : public uk::affinity_hooks {
    std::optional<uk::cpumask_t> get_affinity(pid_t) override { return std::nullopt; }
    void set_affinity(pid_t, const uk::cpumask_t&) override {}
  } affinity_hooks_;
  std::unique_ptr<uk::kernel> kernel_;
  trace_record header_;
  bool have_header_ = false;
  trace_record rec_;  // the line being fed (its buffers are reused)

  // Recorded fd -> the replayed fds it named, oldest first. A close has no commit point
  // and is placed where it ended (harness/README.md, "The order"), so the trace can put
  // it after the open that reused its number: a close is the oldest's, every other use
  // of the number the newest's.
  absl::flat_hash_map<int, std::deque<int>> fds_;
  absl::flat_hash_map<int, std::string> fd_paths_;  // replayed fd -> path opened
  std::map<std::string, mount_info> mounts_;        // by the kernel's directory
  uint64_t mounts_made_ = 0;
  std::map<std::string, std::string> mount_points_;  // kernel directory -> where it shows
  absl::flat_hash_map<pid_t, std::vector<std::string>> nested_;  // recorded, by tid
  std::deque<std::string> recorded_agents_, replayed_agents_;
  std::vector<char> buf_;                      // reads' buffer
  absl::flat_hash_set<std::string> reported_;  // objects with a divergence shown
  absl::flat_hash_set<std::string> recorded_types_;
  std::vector<divergence> divergences_;
  uint64_t nr_divergences_ = 0;
  bool stopped_ = false;
  replay_stats stats_;
};

// Feeds every line of `in` to `r` (streamed: one line in memory at a time) until the
// end or until `r` stops at a divergence; finish() is the caller's. An error names the
// line: "line N: what".
absl::Status replay_stream(replayer& r, std::FILE* in);

}  // namespace ukrun
