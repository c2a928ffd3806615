// uk/lib: the kernel library helpers, each result and errno as lib/kstrtox.c,
// lib/vsprintf.c and lib/string.c give it.
#include "uk/lib.h"

#include <climits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/errno_matchers.h"

namespace uk {
namespace {

using ::uk::testing::IsErrno;
using ::uk::testing::Succeeds;

constexpr unsigned long long kUnset = 4242;

TEST(Kstrtoull, BaseZeroDetectsTheRadixAsParseIntegerFixupRadix) {
  unsigned long long v = kUnset;
  EXPECT_THAT(kstrtoull("42", 0, &v), Succeeds());
  EXPECT_EQ(v, 42u);
  EXPECT_THAT(kstrtoull("0x1F", 0, &v), Succeeds());
  EXPECT_EQ(v, 31u);
  EXPECT_THAT(kstrtoull("0X1f", 0, &v), Succeeds());
  EXPECT_EQ(v, 31u);
  EXPECT_THAT(kstrtoull("017", 0, &v), Succeeds());
  EXPECT_EQ(v, 15u);
  EXPECT_THAT(kstrtoull("0", 0, &v), Succeeds());
  EXPECT_EQ(v, 0u);
  // "0x" before a non-hex digit is octal 0 followed by junk.
  v = kUnset;
  EXPECT_THAT(kstrtoull("0x", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull("0xg", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull("08", 0, &v), IsErrno(EINVAL));
  EXPECT_EQ(v, kUnset);
}

TEST(Kstrtoull, ExplicitBase) {
  unsigned long long v = kUnset;
  EXPECT_THAT(kstrtoull("0x10", 16, &v), Succeeds());
  EXPECT_EQ(v, 16u);
  EXPECT_THAT(kstrtoull("10", 16, &v), Succeeds());
  EXPECT_EQ(v, 16u);
  EXPECT_THAT(kstrtoull("010", 10, &v), Succeeds());
  EXPECT_EQ(v, 10u);
  EXPECT_THAT(kstrtoull("0x10", 10, &v), IsErrno(EINVAL));
}

TEST(Kstrtoull, OnePlusAndOneTrailingNewline) {
  unsigned long long v = kUnset;
  EXPECT_THAT(kstrtoull("+7\n", 0, &v), Succeeds());
  EXPECT_EQ(v, 7u);
  v = kUnset;
  EXPECT_THAT(kstrtoull("7\n\n", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull("++7", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull("-7", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull(" 7", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull("7 ", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull("", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull("\n", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoull("+", 0, &v), IsErrno(EINVAL));
  EXPECT_EQ(v, kUnset);
}

TEST(Kstrtoull, OverflowIsErange) {
  unsigned long long v = kUnset;
  EXPECT_THAT(kstrtoull("18446744073709551615", 0, &v), Succeeds());
  EXPECT_EQ(v, ULLONG_MAX);
  EXPECT_THAT(kstrtoull("0xffffffffffffffff", 0, &v), Succeeds());
  EXPECT_EQ(v, ULLONG_MAX);
  v = kUnset;
  EXPECT_THAT(kstrtoull("18446744073709551616", 0, &v), IsErrno(ERANGE));
  EXPECT_THAT(kstrtoull("0x10000000000000000", 0, &v), IsErrno(ERANGE));
  // _kstrtoull() tests the overflow before the trailing junk.
  EXPECT_THAT(kstrtoull("99999999999999999999x", 0, &v), IsErrno(ERANGE));
  EXPECT_EQ(v, kUnset);
}

TEST(Kstrtoull, AnEmbeddedNulEndsTheString) {
  std::string s("5\0junk", 6);
  unsigned long long v = kUnset;
  EXPECT_THAT(kstrtoull(s.c_str(), 0, &v), Succeeds());
  EXPECT_EQ(v, 5u);
}

TEST(Kstrtoll, SignsAndLimits) {
  long long v = 0;
  EXPECT_THAT(kstrtoll("-0x10", 0, &v), Succeeds());
  EXPECT_EQ(v, -16);
  EXPECT_THAT(kstrtoll("+10", 0, &v), Succeeds());
  EXPECT_EQ(v, 10);
  EXPECT_THAT(kstrtoll("-0", 0, &v), Succeeds());
  EXPECT_EQ(v, 0);
  EXPECT_THAT(kstrtoll("9223372036854775807", 0, &v), Succeeds());
  EXPECT_EQ(v, LLONG_MAX);
  EXPECT_THAT(kstrtoll("-9223372036854775808", 0, &v), Succeeds());
  EXPECT_EQ(v, LLONG_MIN);
  v = 7;
  EXPECT_THAT(kstrtoll("9223372036854775808", 0, &v), IsErrno(ERANGE));
  EXPECT_THAT(kstrtoll("-9223372036854775809", 0, &v), IsErrno(ERANGE));
  EXPECT_THAT(kstrtoll("--1", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoll("-+1", 0, &v), IsErrno(EINVAL));
  EXPECT_THAT(kstrtoll("-", 0, &v), IsErrno(EINVAL));
  EXPECT_EQ(v, 7);
}

TEST(Kstrtoint, IntRange) {
  int v = 0;
  EXPECT_THAT(kstrtoint("2147483647", 0, &v), Succeeds());
  EXPECT_EQ(v, INT_MAX);
  EXPECT_THAT(kstrtoint("-2147483648\n", 0, &v), Succeeds());
  EXPECT_EQ(v, INT_MIN);
  EXPECT_THAT(kstrtoint("010", 0, &v), Succeeds());
  EXPECT_EQ(v, 8);
  v = 7;
  EXPECT_THAT(kstrtoint("2147483648", 0, &v), IsErrno(ERANGE));
  EXPECT_THAT(kstrtoint("-2147483649", 0, &v), IsErrno(ERANGE));
  EXPECT_THAT(kstrtoint("0x80000000", 0, &v), IsErrno(ERANGE));
  EXPECT_THAT(kstrtoint("1.5", 0, &v), IsErrno(EINVAL));
  EXPECT_EQ(v, 7);
}

TEST(SimpleStrtoull, StopsAtTheFirstNonDigitAndNeverFails) {
  const char* end = nullptr;
  const char* s = "0x1fz";
  EXPECT_EQ(simple_strtoull(s, &end, 0), 31u);
  EXPECT_EQ(end, s + 4);
  s = "0xz";  // octal 0, stopping at the 'x'
  EXPECT_EQ(simple_strtoull(s, &end, 0), 0u);
  EXPECT_EQ(end, s + 1);
  s = "079";
  EXPECT_EQ(simple_strtoull(s, &end, 0), 7u);
  EXPECT_EQ(end, s + 2);
  s = "0x10";
  EXPECT_EQ(simple_strtoull(s, &end, 16), 16u);
  EXPECT_EQ(end, s + 4);
  s = "0x10";  // base 10: "0", then 'x'
  EXPECT_EQ(simple_strtoull(s, &end, 10), 0u);
  EXPECT_EQ(end, s + 1);
  s = " 5";  // no blank skipping, no sign
  EXPECT_EQ(simple_strtoull(s, &end, 10), 0u);
  EXPECT_EQ(end, s);
  EXPECT_EQ(simple_strtoull("+5", nullptr, 10), 0u);
  EXPECT_EQ(simple_strtoull("123abc", nullptr, 10), 123u);
  // Overflow wraps.
  EXPECT_EQ(simple_strtoull("18446744073709551617", nullptr, 10), 1u);
}

TEST(Strstrip, BothEndsByTheKernelsIsspace) {
  EXPECT_EQ(strstrip(" \t\n\v\f\rab c\r\n "), "ab c");
  EXPECT_EQ(strstrip(""), "");
  EXPECT_EQ(strstrip(" \n "), "");
  EXPECT_EQ(strstrip("x"), "x");
  // lib/ctype.c marks 0xa0 (no-break space) as space; other high bytes are not.
  EXPECT_EQ(strstrip("\xa0x\xa0"), "x");
  EXPECT_EQ(strstrip("\xa1x"), "\xa1x");
  std::string s("a \0 b", 5);
  EXPECT_EQ(strstrip(s.c_str()), "a");
}

TEST(KernelIsspace, TheCtypeTable) {
  std::string spaces;
  for (int c = 0; c < 256; c++) {
    if (kernel_isspace(static_cast<unsigned char>(c))) spaces += static_cast<char>(c);
  }
  EXPECT_EQ(spaces, "\t\n\v\f\r \xa0");
}

TEST(KernfsNameHash, AsLinux) {
  // As Linux 6.x hashes it (the cgroup flavour's readdir order depends on it).
  EXPECT_EQ(kernfs_name_hash("tasks"), 1245728267u);
  // The empty name hashes to 0, which kernfs reserves: moved up to 2.
  EXPECT_EQ(kernfs_name_hash(""), 2u);
}

// splitmix64's finalizer: the first output of a generator seeded 0 (Steele et al.).
TEST(Mix64, IsSplitmix64sFinalizer) {
  EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_NE(mix64(1), mix64(2));
}

}  // namespace
}  // namespace uk
