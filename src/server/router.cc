// URL rules of the HTTP contract (docs/http.md).
#include "server/router.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace sessionkeeper::server {

namespace {

constexpr std::array<std::string_view, kRouteCount> kRouteNames = {
    "unmatched",
    "create_session",
    "get_session",
    "mutate_session",
    "delete_session",
    "touch_session",
    "rotate_session",
    "acquire_lease",
    "renew_lease",
    "release_lease",
    "list_principal_sessions",
    "invalidate_principal_sessions",
    "healthz",
    "readyz",
    "metrics",
};

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  path.remove_prefix(1);  // The leading '/'.
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsIdSegment(std::string_view segment) {
  return !segment.empty() && std::ranges::all_of(segment, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Response MethodNotAllowed(std::string_view allow) {
  Response response = ErrorResponse(405, "method_not_allowed",
                                    "method not allowed on this resource");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

RouteResult Error(Route route, Response response) {
  RouteResult result;
  result.request.route = route;
  result.error = std::move(response);
  return result;
}

RouteResult BadRequest(Route route, std::string_view message) {
  return Error(route, ErrorResponse(400, "invalid_argument", message));
}

RouteResult NotFound() {
  return Error(Route::kNone, ErrorResponse(404, "not_found", "no such route"));
}

// Only GET /v1/sessions/{id} takes a parameter: consistency.
std::optional<ReadConsistency> ParseConsistency(std::string_view query) {
  // Exactly one "consistency=<level>" (an empty query is no parameter).
  constexpr std::string_view kKey = "consistency=";
  if (query.substr(0, kKey.size()) != kKey) return std::nullopt;
  const std::string_view level = query.substr(kKey.size());
  if (level == "cached") return ReadConsistency::kCached;
  if (level == "sequential") return ReadConsistency::kSequential;
  if (level == "linearizable") return ReadConsistency::kLinearizable;
  return std::nullopt;
}

bool IsGet(Method m) { return m == Method::kGet || m == Method::kHead; }

RouteResult Ok(RoutedRequest request) {
  RouteResult result;
  result.request = std::move(request);
  return result;
}

}  // namespace

std::string_view RouteName(Route route) {
  const auto index = static_cast<size_t>(route);
  return index < kRouteNames.size() ? kRouteNames[index] : "unmatched";
}

bool RequiresAuth(std::string_view path) {
  return path == "/v1" || path.substr(0, 4) == "/v1/";
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = HexValue(text[i + 1]);
    const int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<int64_t> ParseLeaseToken(std::string_view text) {
  // INT64_MAX has 19 digits, and 19 nines still fit uint64 (no overflow).
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value == 0 || value > static_cast<uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(value);
}

RouteResult RouteRequest(Method method, std::string_view path,
                         std::optional<std::string_view> query,
                         bool has_lease_token) {
  if (path.empty() || path.front() != '/') return NotFound();
  const std::vector<std::string_view> seg = SplitPath(path);
  for (const std::string_view s : seg) {
    // Proxies and clients disagree on whether to resolve these; refuse
    // them rather than guess.
    if (s == "." || s == "..") {
      return BadRequest(Route::kNone, "'.' and '..' path segments are refused");
    }
  }
  const bool has_query = query.has_value() && !query->empty();

  // Operational endpoints.
  if (seg.size() == 1) {
    Route route = Route::kNone;
    if (seg[0] == "healthz") route = Route::kHealthz;
    if (seg[0] == "readyz") route = Route::kReadyz;
    if (seg[0] == "metrics") route = Route::kMetrics;
    if (route == Route::kNone) return NotFound();
    if (!IsGet(method)) return Error(route, MethodNotAllowed("GET, HEAD"));
    if (has_query) return BadRequest(route, "this route takes no query");
    return Ok({route, "", "", ReadConsistency::kCached});
  }
  if (seg[0] != "v1" || seg.size() < 2) return NotFound();

  if (seg[1] == "sessions") {
    if (seg.size() == 2) {
      if (method != Method::kPost) {
        return Error(Route::kCreateSession, MethodNotAllowed("POST"));
      }
      if (has_query) {
        return BadRequest(Route::kCreateSession, "this route takes no query");
      }
      return Ok({Route::kCreateSession, "", "", ReadConsistency::kCached});
    }
    if (seg.size() > 4) return NotFound();
    // Decide the route from the shape first, so that a bad id on a known
    // route is a 400 and on an unknown one a 404.
    Route route = Route::kNone;
    if (seg.size() == 3) {
      switch (method) {
        case Method::kGet:
        case Method::kHead:
          route = Route::kGetSession;
          break;
        case Method::kPatch:
          route = Route::kMutateSession;
          break;
        case Method::kDelete:
          route = Route::kDeleteSession;
          break;
        default:
          return Error(Route::kGetSession,
                       MethodNotAllowed("GET, HEAD, PATCH, DELETE"));
      }
    } else {
      if (seg[3] == "lease") {
        if (method == Method::kPost) {
          route = has_lease_token ? Route::kRenewLease : Route::kAcquireLease;
        } else if (method == Method::kDelete) {
          route = Route::kReleaseLease;
        } else {
          return Error(Route::kAcquireLease, MethodNotAllowed("POST, DELETE"));
        }
      } else {
        if (seg[3] == "touch") {
          route = Route::kTouchSession;
        } else if (seg[3] == "rotate") {
          route = Route::kRotateSession;
        } else {
          return NotFound();
        }
        if (method != Method::kPost) {
          return Error(route, MethodNotAllowed("POST"));
        }
      }
    }
    if (!IsIdSegment(seg[2])) {
      return BadRequest(route, "malformed session id");
    }
    RoutedRequest request{route, std::string(seg[2]), "",
                          ReadConsistency::kCached};
    if (route == Route::kReleaseLease) {
      // Exactly one "token=<N>": the lease to end.
      constexpr std::string_view kKey = "token=";
      std::optional<int64_t> token;
      if (has_query && query->substr(0, kKey.size()) == kKey) {
        token = ParseLeaseToken(query->substr(kKey.size()));
      }
      if (!token.has_value()) {
        return BadRequest(route,
                          "the only query parameter is token=<lease token>, "
                          "and it is required");
      }
      request.lease_token = *token;
      return Ok(std::move(request));
    }
    if (has_query) {
      std::optional<ReadConsistency> consistency;
      if (route == Route::kGetSession) consistency = ParseConsistency(*query);
      if (!consistency.has_value()) {
        return BadRequest(route,
                          route == Route::kGetSession
                              ? "the only query parameter is consistency="
                                "cached|sequential|linearizable"
                              : "this route takes no query");
      }
      request.consistency = *consistency;
    }
    return Ok(std::move(request));
  }

  if (seg[1] == "principals") {
    if (seg.size() != 4 || seg[3] != "sessions") return NotFound();
    Route route = Route::kNone;
    if (IsGet(method)) {
      route = Route::kListPrincipalSessions;
    } else if (method == Method::kDelete) {
      route = Route::kInvalidatePrincipalSessions;
    } else {
      return Error(Route::kListPrincipalSessions,
                   MethodNotAllowed("GET, HEAD, DELETE"));
    }
    std::optional<std::string> principal = PercentDecode(seg[2]);
    if (!principal.has_value() || principal->empty()) {
      return BadRequest(route, "malformed principal");
    }
    if (has_query) return BadRequest(route, "this route takes no query");
    return Ok({route, "", std::move(*principal), ReadConsistency::kCached});
  }
  return NotFound();
}

}  // namespace sessionkeeper::server
