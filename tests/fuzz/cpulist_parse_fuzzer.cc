// CPU and node lists, the parser alone (no kernel, no VFS): bitmap_parselist never
// crashes, its errors are EINVAL/ERANGE, and what it accepts prints back to a list that
// parses to the same mask. cpulist_fuzzer adds the cpuset files; this one is ~100x faster.
// Seeds: corpus/cpulist.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/cpulist_roundtrip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  uk::fuzz::cpulist_roundtrip<uk::NR_CPUS>(s);
  uk::fuzz::cpulist_roundtrip<uk::MAX_NUMNODES>(s);
  return 0;
}
