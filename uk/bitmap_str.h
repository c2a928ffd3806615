// Today's list format of CPU and node masks (lib/bitmap-str.c bitmap_parselist), which
// the cgroup flavour's cpulist_parse / nodelist_parse use; 2.6.24's, which the container
// flavour keeps, is uk/cpumask.h's. The printed form is the same ("%*pbl": "0-3,6").
#pragma once

#include <bitset>
#include <string_view>

#include "vfs/errno.h"

namespace uk::bitmap_str {

// bitmap_parselist(buf, maskp, nmaskbits), nmaskbits <= N. Regions are separated by
// commas or white space (kernel isspace), which may also lead or trail; '\n' or NUL
// ends the list. A region is "a", "a-b" or "all", optionally ":used/group" after a
// range or "all" (from each group of `group` bits starting at a, the first `used`);
// "N" is the last bit (nmaskbits - 1). Numbers are decimal.
//   EINVAL: a missing or malformed number or separator; a > b, group 0, used > group.
//   ERANGE: b >= nmaskbits (after the EINVAL checks of the same region).
//   EOVERFLOW: a number above UINT_MAX.
// Regions before the failing one count for nothing: an error leaves no mask. A lone
// number's group is number + 1 in 32 bits, so 4294967295 is EINVAL (group 0), as the
// kernel's.
template <size_t N>
ErrorOr<std::bitset<N>> bitmap_parselist(std::string_view buf, size_t nmaskbits);

}  // namespace uk::bitmap_str
