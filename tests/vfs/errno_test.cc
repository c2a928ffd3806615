// vfs/errno.h: Errno, ErrorOr, UK_TRY, UK_ASSIGN_OR_RETURN and the syscall ABI.
#include "vfs/errno.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tests/util/errno_matchers.h"

namespace uk::testing {
namespace {

ErrorOr<int> parse(const std::string& s) {
  if (s.empty()) return Errno(EINVAL);
  return static_cast<int>(s.size());
}

Errno check(int n) { return n > 2 ? Errno(ERANGE) : kOk; }

ErrorOr<int> twice(const std::string& s) {
  UK_ASSIGN_OR_RETURN(int n, parse(s));
  UK_TRY(check(n));
  UK_ASSIGN_OR_RETURN(int again, parse(s));
  return n + again;
}

TEST(Errno, Basics) {
  EXPECT_TRUE(kOk.ok());
  EXPECT_FALSE(Errno(ENOENT).ok());
  EXPECT_EQ(Errno(ENOENT).code(), ENOENT);
  EXPECT_EQ(Errno(), kOk);
}

TEST(ErrorOr, ValueOrError) {
  ErrorOr<int> v = 3;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value(), 3);
  EXPECT_EQ(v.error(), kOk);
  ErrorOr<std::unique_ptr<int>> moved = std::make_unique<int>(4);
  std::unique_ptr<int> p = std::move(moved).value();
  EXPECT_EQ(*p, 4);
  ErrorOr<int> e = Errno(EBUSY);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.error(), Errno(EBUSY));
}

TEST(ErrorOr, OkWithoutValueIsABug) {
  EXPECT_DEATH(
      {
        ErrorOr<int> r{kOk};
        (void)r;
      },
      "");
}

TEST(Macros, PropagateTheFirstError) {
  EXPECT_THAT(twice("ab"), Succeeds());
  EXPECT_EQ(twice("ab").value(), 4);
  EXPECT_THAT(twice(""), IsErrno(EINVAL));
  EXPECT_THAT(twice("abc"), IsErrno(ERANGE));
}

TEST(Macros, CheckFailureAborts) {
  EXPECT_DEATH(UK_CHECK(1 + 1 == 3), "UK_CHECK\\(1 \\+ 1 == 3\\) failed");
}

TEST(SyscallResult, ResultOrMinusErrno) {
  EXPECT_EQ(to_syscall_result(kOk), 0);
  EXPECT_EQ(to_syscall_result(Errno(EPERM)), -EPERM);
  EXPECT_EQ(to_syscall_result(ErrorOr<int>(12)), 12);
  EXPECT_EQ(to_syscall_result(ErrorOr<size_t>(Errno(EFAULT))), -EFAULT);
}

}  // namespace
}  // namespace uk::testing
