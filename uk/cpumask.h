// CPU and memory-node masks (cpumask_t, nodemask_t) and their list format
// (lib/bitmap.c bitmap_scnlistprintf / bitmap_parselist).
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "vfs/errno.h"

namespace uk {

// Compile-time limits, as CONFIG_NR_CPUS / MAX_NUMNODES (1 << CONFIG_NODES_SHIFT):
// this host's (6.18: cpu/kernel_max 255; a mems write of 1023 is EINVAL, 1024 ERANGE).
// The container flavour keeps 2.6.24's node count (uk/container_v10.cc).
inline constexpr int NR_CPUS = 256;
inline constexpr int MAX_NUMNODES = 1024;

using cpumask_t = std::bitset<NR_CPUS>;
using nodemask_t = std::bitset<MAX_NUMNODES>;

// "0-3,6" (no newline); empty mask -> "".
template <size_t N>
std::string bitmap_scnlistprintf(const std::bitset<N>& mask);

// 2.6.24's bitmap_parselist() (lib/bitmap.c), nmaskbits <= N: "a" or "a-b" items,
// each followed by at most one ',', until NUL or '\n'. An item must start with a digit
// and a '-' be followed by one (EINVAL); a > b is EINVAL, b >= nmaskbits ERANGE; a
// trailing comma is accepted. Numbers are simple_strtoul's (wrapping) cut to 32 bits,
// as the kernel's `unsigned a, b`. An empty list is EINVAL (the callers special-case
// it). Today's parser is uk/bitmap_str.h's.
template <size_t N>
ErrorOr<std::bitset<N>> bitmap_parselist(std::string_view list, size_t nmaskbits = N);

}  // namespace uk
