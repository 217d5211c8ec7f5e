// Router: maps a request's method and raw target to one of the service's
// routes, with the parameters taken from the URL. Pure (no libevent, no
// ZooKeeper): every rule about what a URL may contain lives here.
#ifndef SESSIONKEEPER_SERVER_ROUTER_H_
#define SESSIONKEEPER_SERVER_ROUTER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/response.h"
#include "sessionkeeper/session.h"

namespace sessionkeeper::server {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOther };

enum class Route {
  kNone = 0,  // Nothing matched: 404, or 400/405 before a route was known.
  kCreateSession,
  kGetSession,
  kMutateSession,
  kDeleteSession,
  kTouchSession,
  kRotateSession,
  kAcquireLease,
  kRenewLease,
  kReleaseLease,
  kListPrincipalSessions,
  kInvalidatePrincipalSessions,
  kHealthz,
  kReadyz,
  kMetrics,
};
inline constexpr size_t kRouteCount = 15;

// Stable label for metrics and logs ("get_session", ..., "unmatched").
std::string_view RouteName(Route route);

struct RoutedRequest {
  Route route = Route::kNone;
  // Session routes: the id exactly as it appeared in the path (only
  // [A-Za-z0-9_-]; the library checks the exact format).
  std::string session_id;
  // Principal routes: the percent-decoded principal.
  std::string principal;
  ReadConsistency consistency = ReadConsistency::kCached;
  // kReleaseLease: the lease token from "?token=N".
  int64_t lease_token = 0;
};

struct RouteResult {
  // On error, `request.route` still names the route whose shape matched
  // (kNone when none did), for metrics.
  RoutedRequest request;
  std::optional<Response> error;
};

// `path` is the raw (still percent-encoded) path of the request target;
// `query` the raw query, nullopt when the target has no '?'.
//
// Session ids must be non-empty and consist of [A-Za-z0-9_-] as sent: a
// percent sign (so %2F, %2E, %00), a dot, or anything else is 400 before the
// library sees it. Raw "." and ".." segments anywhere are 400. Unknown
// query parameters are 400.
//
// `has_lease_token`: the request carries an X-Lease-Token header, which
// makes POST .../lease a renewal (kRenewLease) instead of an acquisition.
RouteResult RouteRequest(Method method, std::string_view path,
                         std::optional<std::string_view> query,
                         bool has_lease_token = false);

// True for paths under /v1, which need the auth token when one is set.
// Health, readiness and metrics endpoints are open to probes.
bool RequiresAuth(std::string_view path);

// A lease token as the X-Lease-Token header or "?token=" carries it: a
// positive decimal integer of ASCII digits only (no sign, no spaces) that
// fits int64. nullopt otherwise. The library checks the upper bound.
std::optional<int64_t> ParseLeaseToken(std::string_view text);

// Strict percent-decoding of a path segment: '%' must be followed by two
// hex digits. nullopt otherwise.
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_ROUTER_H_
