// The matchers themselves: what they accept and what they print.
#include "tests/util/errno_matchers.h"

#include <cerrno>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vfs/errno.h"

namespace uk::testing {
namespace {

using ::testing::Not;

template <typename M, typename T>
std::string Explain(const M& m, const T& value) {
  ::testing::StringMatchResultListener listener;
  ::testing::ExplainMatchResult(m, value, &listener);
  return listener.str();
}

TEST(IsErrno, MatchesTheNegatedErrnoOfALong) {
  EXPECT_THAT(-static_cast<long>(ENOENT), IsErrno(ENOENT));
  EXPECT_THAT(-static_cast<long>(EACCES), Not(IsErrno(ENOENT)));
  EXPECT_THAT(0L, Not(IsErrno(ENOENT)));
  EXPECT_THAT(static_cast<long>(ENOENT), Not(IsErrno(ENOENT)));  // a positive result
  EXPECT_THAT(-1, IsErrno(EPERM));                               // any integer type
}

TEST(IsErrno, MatchesErrnoAndErrorOr) {
  EXPECT_THAT(Errno(EBUSY), IsErrno(EBUSY));
  EXPECT_THAT(kOk, Not(IsErrno(EBUSY)));
  EXPECT_THAT(ErrorOr<int>(Errno(EXDEV)), IsErrno(EXDEV));
  EXPECT_THAT(ErrorOr<int>(3), Not(IsErrno(EXDEV)));
}

TEST(IsErrno, DescribesWithErrnoNames) {
  EXPECT_EQ(::testing::DescribeMatcher<long>(IsErrno(ENOTEMPTY)),
            "fails with ENOTEMPTY (Directory not empty)");
  EXPECT_EQ(::testing::DescribeMatcher<long>(IsErrno(ENOTEMPTY), /*negation=*/true),
            "doesn't fail with ENOTEMPTY (Directory not empty)");
  EXPECT_EQ(Explain(IsErrno(ENOTEMPTY), -static_cast<long>(EBUSY)),
            "which is -EBUSY (Device or resource busy)");
  EXPECT_EQ(Explain(IsErrno(ENOTEMPTY), 7L), "which succeeded with 7");
  EXPECT_EQ(Explain(IsErrno(ENOTEMPTY), kOk), "which succeeded");
}

TEST(IsErrno, UnnamedNumbers) { EXPECT_EQ(ErrnoName(4242), "errno 4242"); }

TEST(PrintTo, ErrnoAndErrorOr) {
  EXPECT_EQ(::testing::PrintToString(Errno(EBUSY)), "Errno(EBUSY)");
  EXPECT_EQ(::testing::PrintToString(kOk), "kOk");
  EXPECT_EQ(::testing::PrintToString(ErrorOr<int>(Errno(EIO))), "ErrorOr(EIO)");
  EXPECT_EQ(::testing::PrintToString(ErrorOr<int>(7)), "ErrorOr(7)");
}

TEST(Succeeds, NonNegativeOrOk) {
  EXPECT_THAT(0L, Succeeds());
  EXPECT_THAT(12L, Succeeds());
  EXPECT_THAT(-static_cast<long>(EIO), Not(Succeeds()));
  EXPECT_THAT(kOk, Succeeds());
  EXPECT_THAT(Errno(EIO), Not(Succeeds()));
  EXPECT_THAT(ErrorOr<long>(5L), Succeeds());
  EXPECT_EQ(::testing::DescribeMatcher<long>(Succeeds()), "succeeds (>= 0)");
  EXPECT_EQ(Explain(Succeeds(), -static_cast<long>(EIO)), "which is -EIO (Input/output error)");
}

}  // namespace
}  // namespace uk::testing
