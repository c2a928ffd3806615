// replay_trace: arbitrary bytes as a trace (harness/replay/README.md). uk-replay must
// replay what it can and refuse the rest with an error that names the line, never
// crash or hang; whatever it replayed must satisfy every invariant afterwards. The
// first line of a seed is usually the header (else every input stops at line 1).
#include <cstdio>
#include <string>

#include "harness/replay/replayer.h"
#include "tests/fuzz/fuzz_kernel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  FILE* in = fmemopen(const_cast<uint8_t*>(data), size, "r");
  if (in == nullptr) abort();
  // Both ways: as recorded (stops at the first divergence) and under the other
  // flavour (goes on through every line).
  for (const char* flavour : {"", "cgroup"}) {
    rewind(in);
    ukrun::replayer r({.flavour = flavour, .stop_at_first = *flavour == '\0'});
    absl::Status st = ukrun::replay_stream(r, in);
    if (!st.ok() && st.message().substr(0, 5) != "line ") {
      fprintf(stderr, "an error without its line: %s\n", std::string(st.message()).c_str());
      abort();
    }
    if (st.ok()) st = r.finish();
    if (!r.divergences().empty() && r.divergences()[0].what.empty()) abort();
  }
  fclose(in);
  return 0;
}
