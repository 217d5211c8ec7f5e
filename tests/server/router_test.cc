// Router: which URLs reach which route, and which never reach the library.
#include "server/router.h"

#include <gtest/gtest.h>

namespace sessionkeeper::server {
namespace {

constexpr char kId[] = "CLpmyrClVREg59rSM0E4iA";

RouteResult R(Method m, const std::string& path,
              std::optional<std::string_view> query = std::nullopt) {
  return RouteRequest(m, path, query);
}

int ErrorStatus(const RouteResult& r) {
  return r.error.has_value() ? r.error->status : 0;
}

TEST(RouterTest, RoutesEverySessionOperation) {
  const std::string base = std::string("/v1/sessions/") + kId;
  EXPECT_EQ(R(Method::kPost, "/v1/sessions").request.route,
            Route::kCreateSession);
  EXPECT_EQ(R(Method::kGet, base).request.route, Route::kGetSession);
  EXPECT_EQ(R(Method::kHead, base).request.route, Route::kGetSession);
  EXPECT_EQ(R(Method::kPatch, base).request.route, Route::kMutateSession);
  EXPECT_EQ(R(Method::kDelete, base).request.route, Route::kDeleteSession);
  EXPECT_EQ(R(Method::kPost, base + "/touch").request.route,
            Route::kTouchSession);
  EXPECT_EQ(R(Method::kPost, base + "/rotate").request.route,
            Route::kRotateSession);
  EXPECT_EQ(R(Method::kGet, base).request.session_id, kId);
}

TEST(RouterTest, RoutesPrincipalAndOperationalEndpoints) {
  EXPECT_EQ(R(Method::kGet, "/v1/principals/alice/sessions").request.route,
            Route::kListPrincipalSessions);
  EXPECT_EQ(R(Method::kDelete, "/v1/principals/alice/sessions").request.route,
            Route::kInvalidatePrincipalSessions);
  EXPECT_EQ(R(Method::kGet, "/healthz").request.route, Route::kHealthz);
  EXPECT_EQ(R(Method::kGet, "/readyz").request.route, Route::kReadyz);
  EXPECT_EQ(R(Method::kGet, "/metrics").request.route, Route::kMetrics);
}

TEST(RouterTest, PrincipalsArePercentDecoded) {
  const RouteResult r =
      R(Method::kGet, "/v1/principals/dept%2Falice%40x%20y/sessions");
  ASSERT_FALSE(r.error.has_value());
  EXPECT_EQ(r.request.principal, "dept/alice@x y");
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "/v1/principals/%zz/sessions")), 400);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "/v1/principals/%4/sessions")), 400);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "/v1/principals//sessions")), 400);
}

TEST(RouterTest, ConsistencyComesFromTheQuery) {
  const std::string base = std::string("/v1/sessions/") + kId;
  EXPECT_EQ(R(Method::kGet, base).request.consistency,
            ReadConsistency::kCached);
  EXPECT_EQ(R(Method::kGet, base, "consistency=sequential").request.consistency,
            ReadConsistency::kSequential);
  EXPECT_EQ(
      R(Method::kGet, base, "consistency=linearizable").request.consistency,
      ReadConsistency::kLinearizable);
  EXPECT_EQ(R(Method::kGet, base, "").request.consistency,
            ReadConsistency::kCached);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, base, "consistency=strong")), 400);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, base, "other=1")), 400);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, base,
                          "consistency=cached&consistency=linearizable")),
            400);
  EXPECT_EQ(ErrorStatus(R(Method::kPatch, base, "consistency=cached")), 400);
}

TEST(RouterTest, IdsWithAnythingButTheIdAlphabetAre400) {
  for (const char* id :
       {"..", ".", "%2F", "%2f..", "..%2F..%2Fzookeeper", "%00", "a%00b",
        "abc.def", "a+b", "%41AAA", "é", "a;b", "a=b"}) {
    for (Method m : {Method::kGet, Method::kPatch, Method::kDelete}) {
      const RouteResult r = R(m, std::string("/v1/sessions/") + id);
      EXPECT_EQ(ErrorStatus(r), 400) << id;
    }
    EXPECT_EQ(ErrorStatus(R(Method::kPost,
                            std::string("/v1/sessions/") + id + "/touch")),
              400)
        << id;
  }
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "/v1/sessions/")), 400);
  EXPECT_EQ(ErrorStatus(R(Method::kPost, "/v1/sessions//touch")), 400);
}

TEST(RouterTest, DotSegmentsAnywhereAre400) {
  const std::string base = std::string("/v1/sessions/") + kId;
  EXPECT_EQ(ErrorStatus(R(Method::kGet, base + "/..")), 400);
  EXPECT_EQ(ErrorStatus(R(Method::kDelete, "/v1/sessions/../../zookeeper")),
            400);
  EXPECT_EQ(
      ErrorStatus(R(Method::kGet, "/v1/../v1/sessions/" + std::string(kId))),
      400);
  EXPECT_EQ(ErrorStatus(R(Method::kDelete, "/v1/principals/../sessions")), 400);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "/./healthz")), 400);
  // Encoded dots are data in a principal (hashed, never a path).
  EXPECT_FALSE(
      R(Method::kGet, "/v1/principals/%2E%2E/sessions").error.has_value());
}

TEST(RouterTest, ExtraPathSegmentsAre404) {
  const std::string base = std::string("/v1/sessions/") + kId;
  EXPECT_EQ(ErrorStatus(R(Method::kPost, base + "/touch/x")), 404);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, base + "/x/y")), 404);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "/v1")), 404);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "/v2/sessions")), 404);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "/")), 404);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "")), 404);
  EXPECT_EQ(ErrorStatus(R(Method::kGet, "*")), 404);
}

TEST(RouterTest, RoutesLeaseAcquireRenewAndRelease) {
  const std::string lease = std::string("/v1/sessions/") + kId + "/lease";
  EXPECT_EQ(R(Method::kPost, lease).request.route, Route::kAcquireLease);
  EXPECT_EQ(R(Method::kPost, lease).request.session_id, kId);
  EXPECT_EQ(RouteRequest(Method::kPost, lease, std::nullopt,
                         /*has_lease_token=*/true)
                .request.route,
            Route::kRenewLease);
  const RouteResult release = R(Method::kDelete, lease, "token=42");
  ASSERT_FALSE(release.error.has_value());
  EXPECT_EQ(release.request.route, Route::kReleaseLease);
  EXPECT_EQ(release.request.lease_token, 42);
}

TEST(RouterTest, AReleaseNeedsExactlyOneWellFormedToken) {
  const std::string lease = std::string("/v1/sessions/") + kId + "/lease";
  EXPECT_EQ(ErrorStatus(R(Method::kDelete, lease)), 400);
  for (const char* query :
       {"", "token=", "token=0", "token=abc", "token=-1", "token=+1",
        "token=1.0", "token=0x10", "token=1&x=2", "x=1", "token=1&token=2",
        "token=9223372036854775808", "token=%31"}) {
    const RouteResult r = R(Method::kDelete, lease, query);
    EXPECT_EQ(ErrorStatus(r), 400) << query;
    EXPECT_EQ(r.request.route, Route::kReleaseLease) << query;
  }
  EXPECT_EQ(ErrorStatus(R(Method::kPost, lease, "token=1")), 400);
}

TEST(RouterTest, LeaseRoutesTakePostAndDeleteOnly) {
  const std::string lease = std::string("/v1/sessions/") + kId + "/lease";
  for (const Method m : {Method::kGet, Method::kPut, Method::kPatch}) {
    const RouteResult r = R(m, lease);
    ASSERT_EQ(ErrorStatus(r), 405);
    EXPECT_EQ(r.error->headers[0].second, "POST, DELETE");
  }
  EXPECT_EQ(ErrorStatus(R(Method::kPost, "/v1/sessions/a.b/lease")), 400);
  EXPECT_EQ(ErrorStatus(R(Method::kPost, lease + "/x")), 404);
  EXPECT_EQ(ErrorStatus(R(Method::kPost, lease + "s")), 404);
}

TEST(RouterTest, LeaseTokensAreDecimalAndFitInt64) {
  EXPECT_EQ(ParseLeaseToken("1"), 1);
  EXPECT_EQ(ParseLeaseToken("42"), 42);
  EXPECT_EQ(ParseLeaseToken("007"), 7);
  EXPECT_EQ(ParseLeaseToken("9223372036854775807"), INT64_MAX);
  for (const char* bad : {"", "0", "-1", "+1", " 1", "1 ", "1.0", "0x1", "1e3",
                          "9223372036854775808", "99999999999999999999"}) {
    EXPECT_FALSE(ParseLeaseToken(bad).has_value()) << bad;
  }
}

TEST(RouterTest, WrongMethodsAre405WithAllow) {
  const RouteResult r = R(Method::kGet, "/v1/sessions");
  ASSERT_EQ(ErrorStatus(r), 405);
  ASSERT_EQ(r.error->headers.size(), 1U);
  EXPECT_EQ(r.error->headers[0].first, "Allow");
  EXPECT_EQ(r.error->headers[0].second, "POST");
  EXPECT_EQ(ErrorStatus(R(Method::kPut, std::string("/v1/sessions/") + kId)),
            405);
  EXPECT_EQ(ErrorStatus(R(Method::kOther, "/v1/sessions")), 405);
  EXPECT_EQ(ErrorStatus(R(Method::kPost, "/healthz")), 405);
  EXPECT_EQ(ErrorStatus(
                R(Method::kGet, std::string("/v1/sessions/") + kId + "/touch")),
            405);
}

TEST(RouterTest, AuthCoversExactlyTheV1Tree) {
  EXPECT_TRUE(RequiresAuth("/v1"));
  EXPECT_TRUE(RequiresAuth("/v1/sessions"));
  EXPECT_TRUE(RequiresAuth("/v1/anything"));
  EXPECT_FALSE(RequiresAuth("/healthz"));
  EXPECT_FALSE(RequiresAuth("/readyz"));
  EXPECT_FALSE(RequiresAuth("/metrics"));
  EXPECT_FALSE(RequiresAuth("/v10"));
}

TEST(RouterTest, RouteNamesAreStableLabels) {
  EXPECT_EQ(RouteName(Route::kNone), "unmatched");
  EXPECT_EQ(RouteName(Route::kGetSession), "get_session");
  EXPECT_EQ(RouteName(Route::kMetrics), "metrics");
  EXPECT_EQ(RouteName(Route::kAcquireLease), "acquire_lease");
  EXPECT_EQ(RouteName(Route::kRenewLease), "renew_lease");
  EXPECT_EQ(RouteName(Route::kReleaseLease), "release_lease");
}

}  // namespace
}  // namespace sessionkeeper::server
