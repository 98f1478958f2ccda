#include "vitrine/status.h"

#include <gtest/gtest.h>

namespace vitrine {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  VITRINE_ASSIGN_OR_RETURN(int half, Half(x));
  VITRINE_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusTest, CodesHaveStableWireNamesThatRoundTrip) {
  for (ErrorCode code : {ErrorCode::kNotFound, ErrorCode::kInvalidArgument, ErrorCode::kPermissionDenied,
                         ErrorCode::kUnauthenticated, ErrorCode::kConflict, ErrorCode::kTooLarge,
                         ErrorCode::kUnsupported, ErrorCode::kUnavailable, ErrorCode::kInternal}) {
    EXPECT_EQ(ErrorCodeFromName(ErrorCodeName(code)), code);
  }
  EXPECT_EQ(ErrorCodeName(ErrorCode::kPermissionDenied), "permission_denied");
  EXPECT_FALSE(ErrorCodeFromName("nonsense").has_value());
}

TEST(StatusTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> odd = Quarter(6);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(odd.status().ToString(), "invalid_argument: odd");
}

TEST(StatusTest, ResultBuiltFromOkStatusIsAnError) {
  Result<int> r = Status::Ok();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace vitrine
