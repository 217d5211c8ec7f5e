// Response: what a handler answers, independent of libevent so handlers and
// their tests need no event loop.
#ifndef SESSIONKEEPER_SERVER_RESPONSE_H_
#define SESSIONKEEPER_SERVER_RESPONSE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessionkeeper::server {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Extra headers (Retry-After, ETag, Allow, WWW-Authenticate...).
  std::vector<std::pair<std::string, std::string>> headers;
  // Ask the client to close the connection after this response.
  bool close_connection = false;
};

// {"error": error, "message": message} with `status`. `error` is a stable
// machine-readable code; `message` is for humans and never repeats session
// ids, attribute values or other request content. `outcome_unknown` adds
// "outcome_unknown": true (a write that may or may not have applied).
Response ErrorResponse(int status, std::string_view error,
                       std::string_view message, bool outcome_unknown = false);

// A 503 the client should retry after `retry_after_s` seconds.
Response UnavailableResponse(std::string_view message, int retry_after_s = 1);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_RESPONSE_H_
