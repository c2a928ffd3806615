// For the replay's tests: a session recorded on an in-process kernel, and its replay
// under --verify.
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "harness/replay/replayer.h"
#include "harness/replay/trace_recorder.h"
#include "subsys/registry.h"
#include "uk/kernel.h"
#include "vfs/clock.h"

namespace ukrun {

// The trace of `session` run on a fresh kernel (init pid 1, not real; one CPU and node;
// CLOCK_REALTIME fixed at `realtime_ns`).
inline std::string record_session(absl::FunctionRef<void(uk::kernel&)> session,
                                  uint64_t realtime_ns) {
  char* buf = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&buf, &size);
  {
    trace_recorder rec(f, trace_header{1, "init", false}, /*flush_each_line=*/false);
    uk::fixed_clock clock(realtime_ns);
    uk::kernel_config cfg;
    cfg.topo = uk::topology(uk::cpumask_t(1), uk::nodemask_t(1));
    cfg.clock = &clock;
    cfg.recorder = &rec;
    uk::kernel k(uk::default_subsys_registry(), cfg);
    session(k);
    rec.close();
  }
  fclose(f);
  std::string out(buf, size);
  free(buf);
  return out;
}

// The divergences of replaying `trace` under --verify (at most one); a line the
// replay rejects fails the test.
inline std::vector<divergence> verify_trace(const std::string& trace) {
  replayer::options o;
  o.stop_at_first = true;
  replayer r(o);
  size_t lineno = 0;
  for (absl::string_view line : absl::StrSplit(trace, '\n', absl::SkipEmpty())) {
    absl::Status st = r.feed(std::string_view(line.data(), line.size()), ++lineno);
    EXPECT_TRUE(st.ok()) << st << " at line " << lineno;
  }
  EXPECT_TRUE(r.finish().ok());
  return r.divergences();
}

}  // namespace ukrun
