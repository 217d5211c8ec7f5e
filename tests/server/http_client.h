// A small blocking HTTP/1.1 client for the daemon tests: it sends exactly
// the bytes it is given (so tests can send malformed requests) and reads
// one response.
#ifndef SESSIONKEEPER_TESTS_SERVER_HTTP_CLIENT_H_
#define SESSIONKEEPER_TESTS_SERVER_HTTP_CLIENT_H_

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sessionkeeper/result.h"

namespace sessionkeeper::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::string body;

  // "" when absent.
  std::string Header(const std::string& lower_case_name) const;
  // A discarded value when the body is not JSON.
  nlohmann::json Json() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Sends `raw` to `address` ("host:port") on a new connection and reads one
// response: up to Content-Length, or until the server closes. Stops
// writing early if the server answers and closes first (as it does for
// oversized requests). Unavailable on connection errors or after `timeout`.
Result<HttpResponse> SendRaw(
    const std::string& address, std::string_view raw,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A well-formed request with Content-Length (when there is a body) and
// Connection: close.
std::string FormatRequest(std::string_view method, std::string_view target,
                          std::string_view body = "",
                          const Headers& headers = {});

Result<HttpResponse> Send(
    const std::string& address, std::string_view method,
    std::string_view target, std::string_view body = "",
    const Headers& headers = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Sends `raw` and returns every byte received until the server closes.
Result<std::string> Exchange(
    const std::string& address, std::string_view raw,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// True when a TCP connection to `address` is refused.
bool ConnectionRefused(const std::string& address);

// A connection the test writes to piece by piece (slow clients, keep-alive).
class RawConnection {
 public:
  // Unavailable when it cannot connect.
  static Result<std::unique_ptr<RawConnection>> Open(
      const std::string& address);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False when the server has closed or reset the connection.
  [[nodiscard]] bool Write(std::string_view bytes) const;
  // True once the server has closed (or reset) the connection, or has sent
  // anything; never blocks.
  [[nodiscard]] bool ServerSpoke() const;
  // One response (the bytes received so far included), waiting up to
  // `timeout`.
  Result<HttpResponse> Read(std::chrono::milliseconds timeout);

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_;
  std::string received_;
};

}  // namespace sessionkeeper::testing

#endif  // SESSIONKEEPER_TESTS_SERVER_HTTP_CLIENT_H_
