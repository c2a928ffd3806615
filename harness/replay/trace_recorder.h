// uk-run --trace: the kernel's entry_recorder (vfs/entry_recorder.h) that writes each
// kernel entry as one line of the trace (trace_format.h), in the kernel's order.
//
// The order: each outermost entry takes a ticket (a number from one counter) at its
// last commit() (the kernel's commit points, under the lock of the state it changes or
// reads), or at its end if it made none, and its lines are written in ticket order;
// "seq" is then the line's place in the file. A ticket given up for a later one (a
// second commit) is void. Lines whose tickets come after one still running wait in
// memory until it ends.
//
// An entry that runs inside another on the same thread (the attach inside a tasks
// write) is written with "nested":true, just before its outer entry; the host inputs
// consumed anywhere inside an outermost entry go into that entry's "in" list, those
// consumed outside any entry (the boot's topology, a worker) into a line of kind
// "input" of their own.
//
// Lock order: mu_ is a leaf: end(), commit() and input() run under kernel locks
// (container_mutex, css_group_lock, dcache_lock) and take nothing else.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "vfs/entry_recorder.h"

namespace ukrun {

struct trace_header {
  pid_t init_pid = 1;
  std::string init_comm = "init";
  bool init_real = false;
  // The flavour of mounts whose type names none (`-t cpuset`): "container".
  std::string flavour_default = "container";
};

class trace_recorder : public uk::entry_recorder {
 public:
  // Writes the header line at once. `out` stays the caller's (see close()). Each line
  // is flushed unless `flush_each_line` is false, so a killed run keeps every entry
  // that ended.
  trace_recorder(FILE* out, const trace_header& header, bool flush_each_line = true);

  void begin() override;
  void end(const uk::entry& e) override;
  void commit() override;
  std::optional<uint64_t> input(uk::input_kind kind, pid_t key,
                                absl::FunctionRef<std::optional<uint64_t>()> live) override;
  std::string input_text(uk::input_kind kind, pid_t key,
                         absl::FunctionRef<std::string()> live) override;

  // uk-run's FUSE mount of the kernel's hierarchy at `kdir` now shows at `dir` (a
  // line of kind "mountpoint": what --tree names the hierarchy by).
  void mount_point(const std::string& kdir, const std::string& dir);

  uint64_t lines() const;
  // Stops writing (the file is about to be closed; the kernel may still run entries).
  void close();

 private:
  void record_input(uk::input_kind kind, pid_t key, std::string_view value);
  // A line of its own (no entry): a ticket now, written in its turn.
  void write_line(std::string body);
  // The lines of `ticket` (each without "{\"seq\":N," at its front; none: void), then
  // every ticket now complete in order.
  void deliver(uint64_t ticket, std::vector<std::string> bodies);
  void write_ready() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  FILE* out_ ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;  // lines written
  // Atomic: taken under the kernel's locks at commit points; fetch_add there orders
  // two tickets as their holders held the lock. mu_ is not needed to take one.
  std::atomic<uint64_t> next_ticket_{0};
  uint64_t next_write_ ABSL_GUARDED_BY(mu_) = 0;  // the first ticket not written
  absl::flat_hash_map<uint64_t, std::vector<std::string>> waiting_ ABSL_GUARDED_BY(mu_);
  const bool flush_each_line_;
};

// The body of an entry's line (everything after "seq"), as trace_recorder writes it;
// `inputs` is the text of the "in" list's items, empty for none. Shared with the
// synthetic trace generator.
std::string format_entry(const uk::entry& e, bool nested, const std::string& inputs);

}  // namespace ukrun
