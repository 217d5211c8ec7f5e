// Status mapping: every library status has an HTTP status, and none is a
// 5xx other than 503.
#include "server/status_mapping.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sessionkeeper::server {
namespace {

TEST(StatusMappingTest, MapsEveryCode) {
  struct Case {
    Status status;
    bool conditional;
    int code;
    std::string error;
  };
  const std::vector<Case> cases = {
      {Status::Ok(), false, 200, ""},
      {Status::NotFound("x"), false, 404, "not_found"},
      {Status::AlreadyExists("x"), false, 409, "already_exists"},
      {Status::Aborted("x"), true, 412, "precondition_failed"},
      {Status::Aborted("x"), false, 409, "conflict"},
      {Status::Unavailable("x"), false, 503, "unavailable"},
      {Status::InvalidArgument("x"), false, 400, "invalid_argument"},
      {Status::ResourceExhausted("x"), false, 413, "too_large"},
      {Status::DataLoss("x"), false, 410, "data_loss"},
      {Status::FailedPrecondition("x"), false, 409, "failed_precondition"},
      {Status::PermissionDenied("x"), false, 403, "permission_denied"},
      {Status::DeadlineExceeded("x"), false, 503, "deadline_exceeded"},
      {Status::Fenced("x"), false, 409, "fenced"},
      {Status::Internal("x"), false, 503, "internal"},
  };
  for (const Case& c : cases) {
    const HttpStatus mapped = MapStatus(c.status, c.conditional);
    EXPECT_EQ(mapped.code, c.code) << c.status;
    EXPECT_EQ(mapped.error, c.error) << c.status;
  }
}

TEST(StatusMappingTest, NoCodeMapsToA5xxOtherThan503) {
  for (int code = 0; code <= static_cast<int>(StatusCode::kInternal) + 3;
       ++code) {
    for (bool conditional : {false, true}) {
      const HttpStatus mapped =
          MapStatus(Status(static_cast<StatusCode>(code), "m"), conditional);
      EXPECT_TRUE(mapped.code < 500 || mapped.code == 503) << code;
      EXPECT_EQ(mapped.code == 503, mapped.retry_after_s > 0) << code;
    }
  }
}

TEST(StatusMappingTest, UnavailableAnswersCarryRetryAfterAndTheOutcome) {
  const Response r =
      StatusResponse(Status::Unavailable("zk down", true), false);
  EXPECT_EQ(r.status, 503);
  ASSERT_EQ(r.headers.size(), 1U);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  const auto doc = nlohmann::json::parse(r.body);
  EXPECT_EQ(doc["error"], "unavailable");
  EXPECT_EQ(doc["message"], "zk down");
  EXPECT_EQ(doc["outcome_unknown"], true);
}

TEST(StatusMappingTest, InternalErrorsDoNotLeakDetails) {
  const Response r = StatusResponse(Status::Internal("/root/x/y boom"), false);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("boom"), std::string::npos);
}

TEST(StatusMappingTest, AFencedWriteIs409Fenced) {
  const Response r = StatusResponse(Status::Fenced("lease 3 is gone"), false);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "fenced");
}

TEST(StatusMappingTest, AHeldLeaseIs409WithItsHolderAndExpiry) {
  const Response r = LeaseHeldResponse(Lease{"id", "alice", 0, 1795305971886});
  EXPECT_EQ(r.status, 409);
  const auto doc = nlohmann::json::parse(r.body);
  EXPECT_EQ(doc["error"], "lease_held");
  EXPECT_EQ(doc["holder"], "alice");
  EXPECT_EQ(doc["expires_at"], 1795305971886);
  EXPECT_TRUE(doc["message"].is_string());
  EXPECT_FALSE(doc.contains("token"));
}

}  // namespace
}  // namespace sessionkeeper::server
