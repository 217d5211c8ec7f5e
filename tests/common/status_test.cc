// Status and Result.
#include "sessionkeeper/status.h"

#include <gtest/gtest.h>

#include "sessionkeeper/result.h"

namespace sessionkeeper {
namespace {

TEST(StatusTest, DefaultIsOkAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, FactoriesSetTheirCodeAndRetryability) {
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::Unavailable("x").IsRetryable());
  EXPECT_FALSE(Status::Aborted("x").IsRetryable());
  EXPECT_FALSE(Status::Unavailable("x").outcome_unknown());
  EXPECT_TRUE(Status::Unavailable("x", true).outcome_unknown());
  EXPECT_EQ(Status::DataLoss("bad bytes").ToString(), "DATA_LOSS: bad bytes");
}

TEST(StatusTest, WithContextKeepsTheCodeAndAmbiguity) {
  const Status s = Status::Unavailable("lost", true).WithContext("set /a");
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_TRUE(s.outcome_unknown());
  EXPECT_EQ(s.message(), "set /a: lost");
}

TEST(ResultTest, HoldsAValueOrAnError) {
  Result<int> value = 7;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 7);
  Result<int> error = Status::NotFound("none");
  EXPECT_FALSE(error.ok());
  EXPECT_TRUE(error.status().IsNotFound());
  EXPECT_EQ(error.value_or(3), 3);
}

TEST(ResultTest, AnOkStatusWithoutAValueBecomesAnInternalError) {
  Result<int> r = Status::Ok();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace sessionkeeper
