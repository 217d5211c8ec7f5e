// Fuzzes the daemon's URL rules (src/server/router.h). An input is one
// method letter (G GET, H HEAD, P POST, U PUT, A PATCH, D DELETE, anything
// else another method; with the high bit set, the request also carries an
// X-Lease-Token header) followed by the raw request target; the first '?'
// starts the query. Checks: no crash or undefined behaviour; a routed
// session id is only [A-Za-z0-9_-] and came verbatim from the path (so no
// "..", "%2F" or NUL reaches the library); no "." or ".." segment is ever
// routed; every /v1 route needs the auth token; lease routes only with
// their method (and header), a release only with a positive token; errors
// are 400/404/405 with a JSON body that does not repeat the path;
// percent-decoding round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "server/router.h"

namespace {

using sessionkeeper::server::Method;
using sessionkeeper::server::Route;
namespace server = sessionkeeper::server;

Method MethodOf(char letter) {
  switch (letter) {
    case 'G':
      return Method::kGet;
    case 'H':
      return Method::kHead;
    case 'P':
      return Method::kPost;
    case 'U':
      return Method::kPut;
    case 'A':
      return Method::kPatch;
    case 'D':
      return Method::kDelete;
    default:
      return Method::kOther;
  }
}

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool HasDotSegment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return true;
    start = end + 1;
  }
  return false;
}

bool IsSessionRoute(Route route) {
  return route == Route::kGetSession || route == Route::kMutateSession ||
         route == Route::kDeleteSession || route == Route::kTouchSession ||
         route == Route::kRotateSession || route == Route::kAcquireLease ||
         route == Route::kRenewLease || route == Route::kReleaseLease;
}

bool IsPrincipalRoute(Route route) {
  return route == Route::kListPrincipalSessions ||
         route == Route::kInvalidatePrincipalSessions;
}

void CheckRouted(Method method, std::string_view path, bool has_lease_token,
                 const server::RoutedRequest& request) {
  FUZZ_CHECK(request.route != Route::kNone);
  FUZZ_CHECK(!HasDotSegment(path));
  const bool operational = request.route == Route::kHealthz ||
                           request.route == Route::kReadyz ||
                           request.route == Route::kMetrics;
  FUZZ_CHECK(operational != server::RequiresAuth(path));
  if (IsSessionRoute(request.route)) {
    FUZZ_CHECK(!request.session_id.empty());
    for (const char c : request.session_id) FUZZ_CHECK(IsIdChar(c));
    FUZZ_CHECK(path.find("/" + request.session_id) != std::string_view::npos);
  } else {
    FUZZ_CHECK(request.session_id.empty());
  }
  if (IsPrincipalRoute(request.route)) {
    FUZZ_CHECK(!request.principal.empty());
  } else {
    FUZZ_CHECK(request.principal.empty());
  }
  if (request.route == Route::kCreateSession ||
      request.route == Route::kTouchSession ||
      request.route == Route::kRotateSession) {
    FUZZ_CHECK(method == Method::kPost);
  }
  if (request.route == Route::kMutateSession) {
    FUZZ_CHECK(method == Method::kPatch);
  }
  if (request.route == Route::kDeleteSession ||
      request.route == Route::kInvalidatePrincipalSessions) {
    FUZZ_CHECK(method == Method::kDelete);
  }
  // An acquisition and a renewal differ only by the X-Lease-Token header.
  if (request.route == Route::kAcquireLease) {
    FUZZ_CHECK(method == Method::kPost && !has_lease_token);
  }
  if (request.route == Route::kRenewLease) {
    FUZZ_CHECK(method == Method::kPost && has_lease_token);
  }
  // A release names its lease: a positive token from the query.
  if (request.route == Route::kReleaseLease) {
    FUZZ_CHECK(method == Method::kDelete && request.lease_token > 0);
  } else {
    FUZZ_CHECK(request.lease_token == 0);
  }
}

void CheckRefused(std::string_view path, const server::Response& response) {
  FUZZ_CHECK(response.status == 400 || response.status == 404 ||
             response.status == 405);
  if (response.status == 405) {
    bool has_allow = false;
    for (const auto& [name, value] : response.headers) {
      has_allow = has_allow || name == "Allow";
    }
    FUZZ_CHECK(has_allow);
  }
  const nlohmann::json doc =
      nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!doc.is_discarded() && doc.is_object());
  // No message contains a '/', so any path found in the body was echoed.
  if (path.find('/') != std::string_view::npos) {
    FUZZ_CHECK(response.body.find(path) == std::string::npos);
  }
}

void CheckPercentDecode(std::string_view text) {
  const std::optional<std::string> decoded = server::PercentDecode(text);
  if (text.find('%') == std::string_view::npos) {
    FUZZ_CHECK(decoded.has_value() && *decoded == text);
  }
  if (!decoded.has_value()) return;
  FUZZ_CHECK(decoded->size() <= text.size());
  std::string encoded;
  for (const unsigned char c : *decoded) {
    char escape[4];
    std::snprintf(escape, sizeof(escape), "%%%02X", c);
    encoded += escape;
  }
  const std::optional<std::string> again = server::PercentDecode(encoded);
  FUZZ_CHECK(again.has_value() && *again == *decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte's high bit says whether an X-Lease-Token header came
  // along; the rest is the method letter.
  const Method method = MethodOf(static_cast<char>(data[0] & 0x7f));
  const bool has_lease_token = (data[0] & 0x80) != 0;
  const std::string_view target(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  std::optional<std::string_view> query;
  if (question != std::string_view::npos) query = target.substr(question + 1);

  const server::RouteResult result =
      server::RouteRequest(method, path, query, has_lease_token);
  FUZZ_CHECK(!server::RouteName(result.request.route).empty());
  if (result.error.has_value()) {
    CheckRefused(path, *result.error);
  } else {
    CheckRouted(method, path, has_lease_token, result.request);
  }
  CheckPercentDecode(target);
  return 0;
}
