// CPU and node lists, the parsers alone (no kernel, no VFS): each bitmap_parselist
// (2.6.24's and today's) never crashes, its errors are its documented ones, and what it
// accepts prints back to a list that parses to the same mask. cpulist_fuzzer adds the cpuset files;
// this one is ~100x faster. Seeds: corpus/cpulist.
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
