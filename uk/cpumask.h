// CPU and memory-node masks (cpumask_t, nodemask_t) and their list format
// (lib/bitmap.c bitmap_scnlistprintf / bitmap_parselist).
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "vfs/errno.h"

namespace uk {

// Compile-time limits, as CONFIG_NR_CPUS / MAX_NUMNODES: a CPU number >= NR_CPUS in a
// list is ERANGE.
inline constexpr int NR_CPUS = 256;
inline constexpr int MAX_NUMNODES = 64;

using cpumask_t = std::bitset<NR_CPUS>;
using nodemask_t = std::bitset<MAX_NUMNODES>;

// "0-3,6" (no newline); empty mask -> "".
template <size_t N>
std::string bitmap_scnlistprintf(const std::bitset<N>& mask);

// Parses "0-3,6" into a mask. EINVAL for a non-digit where a number is expected, a
// missing range end or a > b (spaces after commas are errors too); ERANGE for a bit
// >= N. An empty string is the empty mask.
template <size_t N>
ErrorOr<std::bitset<N>> bitmap_parselist(std::string_view list);

}  // namespace uk
