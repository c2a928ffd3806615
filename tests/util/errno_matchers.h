// gmock matchers for kernel results with exact errnos:
//
//   EXPECT_THAT(sys_rmdir(t, "/a"), IsErrno(ENOTEMPTY));  // a long result == -ENOTEMPTY
//   EXPECT_THAT(sys_open(t, "/f", O_RDONLY), Succeeds());  // a long result >= 0
//
// Both also take an Errno or an ErrorOr<T> (IsErrno: that error; Succeeds: ok()), so
// kernel-internal calls are checked the same way. Failures print errno names:
// "Expected: fails with ENOTEMPTY (Directory not empty); Actual: -16, which is -EBUSY".
#pragma once

#include <string.h>

#include <ostream>
#include <string>
#include <type_traits>

#include "gmock/gmock.h"
#include "vfs/errno.h"

namespace uk::testing {

// "ENOENT" (glibc's strerrorname_np), or "errno 4242" for a number without a name.
inline std::string ErrnoName(int e) {
  const char* name = strerrorname_np(e);
  return name != nullptr ? std::string(name) : "errno " + std::to_string(e);
}

// "ENOENT (No such file or directory)".
inline std::string DescribeErrno(int e) { return ErrnoName(e) + " (" + strerror(e) + ")"; }

namespace internal {

template <typename T>
struct is_error_or : std::false_type {};
template <typename T>
struct is_error_or<ErrorOr<T>> : std::true_type {};

// The errno a result carries: 0 for success.
template <typename T>
int errno_of(const T& result) {
  if constexpr (std::is_same_v<T, Errno>) {
    return result.code();
  } else if constexpr (is_error_or<T>::value) {
    return result.error().code();
  } else {
    static_assert(std::is_integral_v<T>,
                  "IsErrno/Succeeds take a syscall result, Errno or ErrorOr");
    return result < 0 ? static_cast<int>(-result) : 0;
  }
}

template <typename T>
void explain(const T& result, ::testing::MatchResultListener* listener) {
  int e = errno_of(result);
  if (e != 0) {
    *listener << "which is -" << DescribeErrno(e);
  } else if constexpr (std::is_integral_v<T>) {
    *listener << "which succeeded with " << result;
  } else {
    *listener << "which succeeded";
  }
}

class ErrnoMatcher {
 public:
  explicit ErrnoMatcher(int e) : e_(e) {}
  template <typename T>
  bool MatchAndExplain(const T& result, ::testing::MatchResultListener* listener) const {
    explain(result, listener);
    return errno_of(result) == e_;
  }
  void DescribeTo(std::ostream* os) const { *os << "fails with " << DescribeErrno(e_); }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "doesn't fail with " << DescribeErrno(e_);
  }

 private:
  int e_;
};

class SucceedsMatcher {
 public:
  template <typename T>
  bool MatchAndExplain(const T& result, ::testing::MatchResultListener* listener) const {
    explain(result, listener);
    return errno_of(result) == 0;
  }
  void DescribeTo(std::ostream* os) const { *os << "succeeds (>= 0)"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "fails (< 0)"; }
};

}  // namespace internal

// Matches a syscall-style result equal to -e (or an Errno / ErrorOr failing with e).
inline ::testing::PolymorphicMatcher<internal::ErrnoMatcher> IsErrno(int e) {
  return ::testing::MakePolymorphicMatcher(internal::ErrnoMatcher(e));
}

// Matches a syscall-style result >= 0 (or an ok Errno / ErrorOr).
inline ::testing::PolymorphicMatcher<internal::SucceedsMatcher> Succeeds() {
  return ::testing::MakePolymorphicMatcher(internal::SucceedsMatcher());
}

}  // namespace uk::testing

namespace uk {

// gtest printers (found by ADL), so failures show "Errno(EBUSY)" instead of bytes.
inline void PrintTo(Errno e, std::ostream* os) {
  if (e.ok()) {
    *os << "kOk";
  } else {
    *os << "Errno(" << ::uk::testing::ErrnoName(e.code()) << ")";
  }
}

template <typename T>
void PrintTo(const ErrorOr<T>& r, std::ostream* os) {
  if (r.ok()) {
    *os << "ErrorOr(" << ::testing::PrintToString(r.value()) << ")";
  } else {
    *os << "ErrorOr(" << ::uk::testing::ErrnoName(r.error().code()) << ")";
  }
}

}  // namespace uk
