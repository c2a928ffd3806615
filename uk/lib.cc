#include "uk/lib.h"

#include <climits>
#include <cstring>

namespace uk {

namespace {

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

bool is_xdigit(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

// The value of the hex digit `c` (is_xdigit(c)).
unsigned xdigit_value(unsigned char c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

// _parse_integer_fixup_radix(): picks the base for 0 and skips a "0x" for 16.
const char* parse_integer_fixup_radix(const char* s, unsigned* base) {
  if (*base == 0) {
    if (s[0] == '0') {
      *base = ((s[1] | 0x20) == 'x' && is_xdigit(s[2])) ? 16 : 8;
    } else {
      *base = 10;
    }
  }
  if (*base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x') s += 2;
  return s;
}

// _parse_integer(): digits of `base` from s. Returns how many, sets *overflow if the
// value passed ULLONG_MAX.
size_t parse_integer(const char* s, unsigned base, unsigned long long* p, bool* overflow) {
  unsigned long long res = 0;
  size_t n = 0;
  *overflow = false;
  for (; is_xdigit(s[n]); n++) {
    unsigned val = xdigit_value(s[n]);
    if (val >= base) break;
    if (res > (ULLONG_MAX - val) / base) *overflow = true;
    res = res * base + val;
  }
  *p = res;
  return n;
}

// _kstrtoull(): the unsigned part shared by every kstrto*; no sign.
Errno kstrtoull_unsigned(const char* s, unsigned base, unsigned long long* res) {
  s = parse_integer_fixup_radix(s, &base);
  unsigned long long val;
  bool overflow;
  size_t n = parse_integer(s, base, &val, &overflow);
  if (overflow) return Errno(ERANGE);
  if (n == 0) return Errno(EINVAL);
  s += n;
  if (*s == '\n') s++;
  if (*s != '\0') return Errno(EINVAL);
  *res = val;
  return kOk;
}

}  // namespace

bool kernel_isspace(unsigned char c) { return (c >= '\t' && c <= '\r') || c == ' ' || c == 0xa0; }

std::string strstrip(const char* s) {
  const char* end = s + std::strlen(s);
  while (end > s && kernel_isspace(end[-1])) end--;
  while (s < end && kernel_isspace(*s)) s++;
  return std::string(s, end);
}

unsigned long long simple_strtoull(const char* cp, const char** end, unsigned base) {
  if (base == 0) {
    base = 10;
    if (*cp == '0') {
      base = 8;
      cp++;
      if ((*cp | 0x20) == 'x' && is_xdigit(cp[1])) {
        cp++;
        base = 16;
      }
    }
  } else if (base == 16 && cp[0] == '0' && (cp[1] | 0x20) == 'x') {
    cp += 2;
  }
  unsigned long long result = 0;
  for (; is_xdigit(*cp) && xdigit_value(*cp) < base; cp++) {
    result = result * base + xdigit_value(*cp);
  }
  if (end != nullptr) *end = cp;
  return result;
}

Errno kstrtoull(const char* s, unsigned base, unsigned long long* res) {
  if (s[0] == '+') s++;
  return kstrtoull_unsigned(s, base, res);
}

Errno kstrtoll(const char* s, unsigned base, long long* res) {
  unsigned long long tmp;
  if (s[0] == '-') {
    UK_TRY(kstrtoull_unsigned(s + 1, base, &tmp));
    if (tmp > static_cast<unsigned long long>(LLONG_MAX) + 1) return Errno(ERANGE);
    *res = static_cast<long long>(0ULL - tmp);
    return kOk;
  }
  UK_TRY(kstrtoull(s, base, &tmp));
  if (tmp > static_cast<unsigned long long>(LLONG_MAX)) return Errno(ERANGE);
  *res = static_cast<long long>(tmp);
  return kOk;
}

Errno kstrtoint(const char* s, unsigned base, int* res) {
  long long tmp;
  UK_TRY(kstrtoll(s, base, &tmp));
  if (tmp < INT_MIN || tmp > INT_MAX) return Errno(ERANGE);
  *res = static_cast<int>(tmp);
  return kOk;
}

// init_name_hash(NULL), partial_name_hash per byte, end_name_hash (hash_long(h, 32):
// the top half of h * GOLDEN_RATIO_64), then kernfs's reserved values avoided.
uint32_t kernfs_name_hash(std::string_view name) {
  uint64_t hash = 0;
  for (unsigned char c : name) hash = (hash + (uint64_t{c} << 4) + (c >> 4)) * 11;
  uint32_t h = static_cast<uint32_t>((hash * 0x61C8864680B583EBull) >> 32) & 0x7fffffffU;
  if (h < 2) h += 2;
  if (h >= 0x7fffffffU) h = 0x7fffffffU - 1;
  return h;
}

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace uk
