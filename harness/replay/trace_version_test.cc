// The trace's host inputs at the kernel's seams: a session recorded on a kernel with a
// fixed clock carries its inode times ("realtime", format version 2) and replays with
// every input matched; the same trace without them diverges under --verify, unless it
// says it is version 1, which recorded none.
#include <stdio.h>

#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "harness/replay/replayer.h"
#include "harness/replay/trace_recorder.h"
#include "subsys/registry.h"
#include "uk/kernel.h"
#include "vfs/clock.h"
#include "vfs/syscalls.h"

namespace ukrun {
namespace {

// The trace of: mount a cpu hierarchy, mkdir a container in it, at realtime 7 s + 5 ns.
std::string record_session() {
  char* buf = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&buf, &size);
  {
    trace_recorder rec(f, trace_header{1, "init", false});
    uk::fixed_clock clock(7'000'000'005);
    uk::kernel_config cfg;
    cfg.topo = uk::topology(uk::cpumask_t(1), uk::nodemask_t(1));
    cfg.clock = &clock;
    cfg.recorder = &rec;
    uk::kernel k(uk::default_subsys_registry(), cfg);
    uk::task_struct& init = *k.init_task();
    EXPECT_EQ(uk::sys_mkdir(init, "/c", 0755), 0);
    EXPECT_EQ(uk::sys_mount(init, "none", "/c", "container", 0, "cpu"), 0);
    EXPECT_EQ(uk::sys_mkdir(init, "/c/a", 0755), 0);
    EXPECT_EQ(uk::sys_rmdir(init, "/c/a"), 0);
    EXPECT_EQ(uk::sys_umount(init, "/c", 0), 0);
  }
  fclose(f);
  std::string out(buf, size);
  free(buf);
  return out;
}

// The divergences of replaying `trace` under --verify.
std::vector<std::string> verify(const std::string& trace) {
  replayer::options o;
  o.stop_at_first = true;
  replayer r(o);
  size_t lineno = 0;
  for (absl::string_view line : absl::StrSplit(trace, '\n', absl::SkipEmpty())) {
    absl::Status st = r.feed(std::string_view(line.data(), line.size()), ++lineno);
    EXPECT_TRUE(st.ok()) << st << " at line " << lineno;
  }
  EXPECT_TRUE(r.finish().ok());
  std::vector<std::string> out;
  for (const divergence& d : r.divergences()) out.push_back(d.replayed);
  return out;
}

TEST(TraceVersion, InodeTimesAreRecordedAndFedBack) {
  std::string trace = record_session();
  EXPECT_NE(trace.find("\"version\":2,"), std::string::npos) << trace;
  // The mkdir's container files are dated by the clock, through the seam.
  EXPECT_NE(trace.find("[\"realtime\",0,7000000005]"), std::string::npos) << trace;
  EXPECT_TRUE(verify(trace).empty());
}

TEST(TraceVersion, MissingTimesDivergeInVersion2ButNotInVersion1) {
  std::string trace = record_session();
  std::string stripped = absl::StrReplaceAll(trace, {{"[\"realtime\",0,7000000005],", ""},
                                                     {",[\"realtime\",0,7000000005]", ""},
                                                     {"[\"realtime\",0,7000000005]", ""}});
  ASSERT_EQ(stripped.find("realtime"), std::string::npos);
  std::vector<std::string> v2 = verify(stripped);
  ASSERT_EQ(v2.size(), 1u);
  EXPECT_EQ(v2[0], "input realtime of 0 asked");
  std::string v1 = absl::StrReplaceAll(stripped, {{"\"version\":2,", "\"version\":1,"}});
  EXPECT_TRUE(verify(v1).empty());
}

}  // namespace
}  // namespace ukrun
