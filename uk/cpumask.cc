// The list format of CPU and node masks (lib/bitmap.c).
#include "uk/cpumask.h"

#include "absl/strings/str_cat.h"

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

// bitmap_parselist(): "a" or "a-b" items separated by commas, no blanks; a > b or a
// missing number is EINVAL, a bit past the mask ERANGE.
template <size_t N>
ErrorOr<std::bitset<N>> bitmap_parselist(std::string_view list) {
  std::bitset<N> mask;
  size_t i = 0;
  auto number = [&](unsigned long* out) -> bool {
    if (i >= list.size() || list[i] < '0' || list[i] > '9') return false;
    unsigned long v = 0;
    while (i < list.size() && list[i] >= '0' && list[i] <= '9') {
      v = v * 10 + (list[i] - '0');
      if (v > (1UL << 40)) v = 1UL << 40;  // saturate: any such bit is ERANGE anyway
      i++;
    }
    *out = v;
    return true;
  };
  if (list.empty()) return mask;
  while (true) {
    unsigned long a, b;
    if (!number(&a)) return Errno(EINVAL);
    b = a;
    if (i < list.size() && list[i] == '-') {
      i++;
      if (!number(&b)) return Errno(EINVAL);
      if (a > b) return Errno(EINVAL);
    }
    if (b >= N) return Errno(ERANGE);
    for (unsigned long bit = a; bit <= b; bit++) mask.set(bit);
    if (i == list.size()) return mask;
    if (list[i] != ',') return Errno(EINVAL);
    i++;
  }
}

template std::string bitmap_scnlistprintf<NR_CPUS>(const std::bitset<NR_CPUS>&);
template ErrorOr<std::bitset<NR_CPUS>> bitmap_parselist<NR_CPUS>(std::string_view);
template std::string bitmap_scnlistprintf<MAX_NUMNODES>(const std::bitset<MAX_NUMNODES>&);
template ErrorOr<std::bitset<MAX_NUMNODES>> bitmap_parselist<MAX_NUMNODES>(std::string_view);

}  // namespace uk
