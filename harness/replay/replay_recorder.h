// The replayed kernel's entry_recorder (vfs/entry_recorder.h): it feeds the recorded
// host inputs back and collects what the replayed kernel did, for the replayer to
// compare. Nothing here touches the host: a `live` reading is taken only for an input
// an older trace lacks (set_unrecorded), and the replayed kernel has no host clock.
//
// Threads: the replay thread runs every entry; the kernel's worker only runs release
// agents, whose entries are handed over under agents_mu_. Everything else is the
// replay thread's alone (inputs asked on another thread get nothing).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "harness/replay/trace_format.h"
#include "vfs/entry_recorder.h"

namespace ukrun {

// How a nested entry or a release-agent run is compared: one line of text, the same
// for a recorded line and a replayed entry.
std::string consequence(uk::entry_kind kind, pid_t tid, pid_t target, std::string_view path,
                        std::string_view data, long result);

class replay_recorder : public uk::entry_recorder {
 public:
  replay_recorder() : replay_thread_(std::this_thread::get_id()) {}

  // An input line of its own (the boot's topology, a worker's reading): kept until a
  // reading outside the entry's own inputs asks for it. At most kMaxLoose are kept.
  void add_loose(trace_input in);
  // Inputs of `kind` are not in the trace (an older version): the replay's own reading
  // (`live`: the replayed kernel's clock, never the host's) serves, and none is missing.
  void set_unrecorded(uk::input_kind kind) { unrecorded_ |= 1u << static_cast<unsigned>(kind); }
  // The outermost entry about to run, with its recorded inputs (marked used as they are
  // fed back); end_entry() after it.
  void begin_entry(std::vector<trace_input>* inputs);
  void end_entry() { current_ = nullptr; }

  // What the last outermost entry did.
  long result() const { return result_; }
  const std::string& data() const { return data_; }
  // The nested entries it ran, as consequence() lines, taken.
  std::vector<std::string> take_nested() { return std::exchange(nested_, {}); }
  // The first input it asked for that the trace does not have ("" if none).
  const std::string& missing() const { return missing_; }
  // Release agents run since the last call, as consequence() lines.
  std::deque<std::string> take_agents();

  void begin() override;
  void end(const uk::entry& e) override;
  std::optional<uint64_t> input(uk::input_kind kind, pid_t key,
                                absl::FunctionRef<std::optional<uint64_t>()> live) override;
  std::string input_text(uk::input_kind kind, pid_t key,
                         absl::FunctionRef<std::string()> live) override;

 private:
  static constexpr size_t kMaxLoose = 4096;
  bool on_replay_thread() const { return std::this_thread::get_id() == replay_thread_; }
  trace_input* find(uk::input_kind kind, pid_t key);

  const std::thread::id replay_thread_;
  unsigned unrecorded_ = 0;  // bits of input_kind; set before the replay starts
  // The replay thread's (see above).
  int depth_ = 0;
  std::vector<trace_input>* current_ = nullptr;
  std::deque<trace_input> loose_;
  trace_input taken_;  // a loose input, once found
  long result_ = 0;
  std::string data_;
  std::vector<std::string> nested_;
  std::string missing_;

  absl::Mutex agents_mu_;
  std::deque<std::string> agents_ ABSL_GUARDED_BY(agents_mu_);
  // !agents_.empty(), readable without the lock: take_agents() runs after every
  // entry and almost never finds one. Set and cleared under agents_mu_; a stale false
  // only delays a comparison to the next entry or the end.
  std::atomic<bool> have_agents_{false};
};

}  // namespace ukrun
