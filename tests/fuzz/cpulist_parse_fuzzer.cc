// CPU and node lists, the parser alone (no kernel, no VFS): bitmap_parselist never
// crashes, its errors are EINVAL/ERANGE, and what it accepts prints back to a list that
// parses to the same mask. cpulist_fuzzer adds the cpuset files; this one is ~100x faster.
// Seeds: corpus/cpulist.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "uk/cpumask.h"

namespace {

template <size_t N>
void roundtrip(std::string_view s) {
  auto m = uk::bitmap_parselist<N>(s);
  if (!m.ok()) {
    int e = m.error().code();
    if (e != EINVAL && e != ERANGE) abort();
    return;
  }
  std::string printed = uk::bitmap_scnlistprintf(m.value());
  auto again = uk::bitmap_parselist<N>(printed);
  if (!again.ok() || again.value() != m.value()) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  roundtrip<uk::NR_CPUS>(s);
  roundtrip<uk::MAX_NUMNODES>(s);
  return 0;
}
