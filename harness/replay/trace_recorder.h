// uk-run --trace: the kernel's entry_recorder (vfs/entry_recorder.h) that writes each
// kernel entry as one line of the trace (trace_format.h), in the order the entries end.
//
// An entry that runs inside another on the same thread (the attach inside a tasks
// write) is written with "nested":true, before its outer entry (it ends first); the
// host inputs consumed anywhere inside an outermost entry go into that entry's "in"
// list, those consumed outside any entry (the boot's topology, a worker) into a line
// of kind "input" of their own.
//
// Lock order: mu_ is a leaf: end() and input() run under kernel locks (container_mutex,
// css_group_lock) and take nothing else.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

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
  std::optional<uint64_t> input(uk::input_kind kind, pid_t key,
                                absl::FunctionRef<std::optional<uint64_t>()> live) override;
  std::string input_text(uk::input_kind kind, absl::FunctionRef<std::string()> live) override;

  // uk-run's FUSE mount of the kernel's hierarchy at `kdir` now shows at `dir` (a
  // line of kind "mountpoint": what --tree names the hierarchy by).
  void mount_point(const std::string& kdir, const std::string& dir);

  uint64_t lines() const;
  // Stops writing (the file is about to be closed; the kernel may still run entries).
  void close();

 private:
  void record_input(uk::input_kind kind, pid_t key, std::string_view value);
  // `body` is the line without "{\"seq\":N," at its front.
  void write_line(const std::string& body);

  mutable absl::Mutex mu_;
  FILE* out_ ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  const bool flush_each_line_;
};

// The body of an entry's line (everything after "seq"), as trace_recorder writes it;
// `inputs` is the text of the "in" list's items, empty for none. Shared with the
// synthetic trace generator.
std::string format_entry(const uk::entry& e, bool nested, const std::string& inputs);

}  // namespace ukrun
