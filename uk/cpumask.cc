// The list format of CPU and node masks (lib/bitmap.c).
#include "uk/cpumask.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "uk/lib.h"

namespace uk {

// bitmap_scnlistprintf(): ranges of set bits, "0-3,6".
template <size_t N>
std::string bitmap_scnlistprintf(const std::bitset<N>& mask) {
  std::string out;
  for (size_t i = 0; i < N;) {
    if (!mask.test(i)) {
      i++;
      continue;
    }
    size_t j = i;
    while (j + 1 < N && mask.test(j + 1)) j++;
    if (!out.empty()) out += ",";
    absl::StrAppend(&out, i);
    if (j > i) absl::StrAppend(&out, "-", j);
    i = j + 1;
  }
  return out;
}

// bitmap_parselist() of 2.6.24's lib/bitmap.c.
template <size_t N>
ErrorOr<std::bitset<N>> bitmap_parselist(std::string_view list, size_t nmaskbits) {
  // The kernel reads a C string.
  const std::string buf(list.substr(0, list.find('\0')));
  const char* bp = buf.c_str();
  auto isdigit = [](char c) { return c >= '0' && c <= '9'; };
  std::bitset<N> mask;
  do {
    if (!isdigit(*bp)) return Errno(EINVAL);
    uint32_t a = static_cast<uint32_t>(simple_strtoull(bp, &bp, 10));
    uint32_t b = a;
    if (*bp == '-') {
      bp++;
      if (!isdigit(*bp)) return Errno(EINVAL);
      b = static_cast<uint32_t>(simple_strtoull(bp, &bp, 10));
    }
    if (!(a <= b)) return Errno(EINVAL);
    if (b >= nmaskbits) return Errno(ERANGE);
    for (uint64_t bit = a; bit <= b; bit++) mask.set(bit);
    if (*bp == ',') bp++;
  } while (*bp != '\0' && *bp != '\n');
  return mask;
}

template std::string bitmap_scnlistprintf<NR_CPUS>(const std::bitset<NR_CPUS>&);
template ErrorOr<std::bitset<NR_CPUS>> bitmap_parselist<NR_CPUS>(std::string_view, size_t);
template std::string bitmap_scnlistprintf<MAX_NUMNODES>(const std::bitset<MAX_NUMNODES>&);
template ErrorOr<std::bitset<MAX_NUMNODES>> bitmap_parselist<MAX_NUMNODES>(std::string_view,
                                                                           size_t);

}  // namespace uk
