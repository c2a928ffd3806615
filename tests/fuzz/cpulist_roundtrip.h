// The property both CPU-list fuzzers check, for each list parser (2.6.24's
// uk/cpumask.h, today's uk/bitmap_str.h): it never crashes, its errors are the ones it
// documents, and what it accepts prints back to a list that parses to the same mask.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "uk/bitmap_str.h"
#include "uk/cpumask.h"

namespace uk::fuzz {

template <size_t N, typename Parse>
void list_roundtrip(std::string_view s, Parse parse, std::initializer_list<int> errors) {
  auto m = parse(s);
  if (!m.ok()) {
    for (int e : errors) {
      if (m.error().code() == e) return;
    }
    abort();
  }
  std::string printed = uk::bitmap_scnlistprintf(m.value());
  auto again = parse(printed);
  if (!again.ok() || again.value() != m.value()) abort();
}

template <size_t N>
void cpulist_roundtrip(std::string_view s) {
  list_roundtrip<N>(s, [](std::string_view l) { return uk::bitmap_parselist<N>(l); },
                    {EINVAL, ERANGE});
  list_roundtrip<N>(s, [](std::string_view l) { return uk::bitmap_str::bitmap_parselist<N>(l, N); },
                    {EINVAL, ERANGE, EOVERFLOW});
}

}  // namespace uk::fuzz
