// lib/bitmap-str.c's list parser: bitmap_parselist() and its region helpers.
#include "uk/bitmap_str.h"

#include <strings.h>

#include <algorithm>
#include <cstdint>

#include "uk/cpumask.h"
#include "uk/lib.h"

namespace uk::bitmap_str {

namespace {

// struct region: bits start..end, `off` of every `group_len` of them.
struct region {
  uint32_t start = 0, off = 0, group_len = 0, end = 0;
};

// A cursor over the buffer; NUL past its end, as over the kernel's C string.
class cursor {
 public:
  explicit cursor(std::string_view s) : s_(s.substr(0, s.find('\0'))) {}
  char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  void skip(size_t n) { pos_ += n; }
  std::string_view rest() const { return s_.substr(std::min(pos_, s_.size())); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool end_of_str(char c) { return c == '\0' || c == '\n'; }
bool end_of_region_sep(char c) { return kernel_isspace(c) || c == ','; }  // __end_of_region
bool end_of_region(char c) { return end_of_region_sep(c) || end_of_str(c); }

// bitmap_getnum(): "N" is lastbit; else _parse_integer(base 10): no digit EINVAL, past
// unsigned int EOVERFLOW.
Errno getnum(cursor& c, uint32_t* num, uint32_t lastbit) {
  if (c.peek() == 'N') {
    *num = lastbit;
    c.skip(1);
    return kOk;
  }
  size_t len = 0;
  bool overflow = false;
  uint64_t n = 0;
  while (c.peek(len) >= '0' && c.peek(len) <= '9') {
    unsigned digit = c.peek(len) - '0';
    if (n > (UINT64_MAX - digit) / 10) overflow = true;
    n = n * 10 + digit;
    len++;
  }
  if (len == 0) return Errno(EINVAL);
  if (overflow || n > UINT32_MAX) return Errno(EOVERFLOW);
  *num = static_cast<uint32_t>(n);
  c.skip(len);
  return kOk;
}

// bitmap_parse_region(): true if the list ends after this region.
ErrorOr<bool> parse_region(cursor& c, region* r, uint32_t lastbit) {
  bool pattern = true;
  if (strncasecmp(std::string(c.rest().substr(0, 3)).c_str(), "all", 3) == 0) {
    r->start = 0;
    r->end = lastbit;
    c.skip(3);
  } else {
    UK_TRY(getnum(c, &r->start, lastbit));
    if (end_of_region(c.peek())) {
      r->end = r->start;
      pattern = false;
    } else {
      if (c.peek() != '-') return Errno(EINVAL);
      c.skip(1);
      UK_TRY(getnum(c, &r->end, lastbit));
    }
  }
  if (pattern && !end_of_region(c.peek())) {
    if (c.peek() != ':') return Errno(EINVAL);
    c.skip(1);
    UK_TRY(getnum(c, &r->off, lastbit));
    if (c.peek() != '/') return Errno(EINVAL);
    c.skip(1);
    UK_TRY(getnum(c, &r->group_len, lastbit));
    return false;
  }
  // no_pattern: the whole range; end + 1 wraps in unsigned int, as the kernel's.
  r->off = r->group_len = r->end + 1;
  return end_of_str(c.peek());
}

// bitmap_check_region().
Errno check_region(const region& r, size_t nbits) {
  if (r.start > r.end || r.group_len == 0 || r.off > r.group_len) return Errno(EINVAL);
  if (r.end >= nbits) return Errno(ERANGE);
  return kOk;
}

}  // namespace

template <size_t N>
ErrorOr<std::bitset<N>> bitmap_parselist(std::string_view buf, size_t nmaskbits) {
  std::bitset<N> mask;
  const uint32_t lastbit = static_cast<uint32_t>(nmaskbits - 1);
  cursor c(buf);
  while (true) {
    // bitmap_find_region(): separators may lead.
    while (end_of_region_sep(c.peek())) c.skip(1);
    if (end_of_str(c.peek())) return mask;
    region r;
    UK_ASSIGN_OR_RETURN(bool last, parse_region(c, &r, lastbit));
    UK_TRY(check_region(r, nmaskbits));
    // bitmap_set_region(); end < nmaskbits <= N, so start cannot wrap.
    for (size_t start = r.start; start <= r.end; start += r.group_len) {
      size_t n = std::min<size_t>(r.end - start + 1, r.off);
      for (size_t bit = start; bit < start + n; bit++) mask.set(bit);
    }
    if (last) return mask;
  }
}

template ErrorOr<std::bitset<NR_CPUS>> bitmap_parselist<NR_CPUS>(std::string_view, size_t);
template ErrorOr<std::bitset<MAX_NUMNODES>> bitmap_parselist<MAX_NUMNODES>(std::string_view,
                                                                           size_t);

}  // namespace uk::bitmap_str
