// Router: maps a request's method and raw target to one of the service's
// routes, with the parameters taken from the URL. Pure (no libevent, no
// ZooKeeper): every rule about what a URL may contain lives here.
#ifndef SESSIONKEEPER_SERVER_ROUTER_H_
#define SESSIONKEEPER_SERVER_ROUTER_H_

#include <cstddef>
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
  kListPrincipalSessions,
  kInvalidatePrincipalSessions,
  kHealthz,
  kReadyz,
  kMetrics,
};
inline constexpr size_t kRouteCount = 12;

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
RouteResult RouteRequest(Method method, std::string_view path,
                         std::optional<std::string_view> query);

// True for paths under /v1, which need the auth token when one is set.
// Health, readiness and metrics endpoints are open to probes.
bool RequiresAuth(std::string_view path);

// Strict percent-decoding of a path segment: '%' must be followed by two
// hex digits. nullopt otherwise.
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_ROUTER_H_
