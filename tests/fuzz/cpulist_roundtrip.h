// The property both CPU-list fuzzers check: bitmap_parselist never crashes, its
// errors are EINVAL/ERANGE, and what it accepts prints back to a list that parses to
// the same mask.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

#include "uk/cpumask.h"

namespace uk::fuzz {

template <size_t N>
void cpulist_roundtrip(std::string_view s) {
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

}  // namespace uk::fuzz
