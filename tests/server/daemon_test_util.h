// Helpers shared by the daemon tests.
#ifndef SESSIONKEEPER_TESTS_SERVER_DAEMON_TEST_UTIL_H_
#define SESSIONKEEPER_TESTS_SERVER_DAEMON_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "server/daemon.h"

namespace sessionkeeper::testing {

// The response, or a failed test (and status 0) when there was none.
inline HttpResponse Must(Result<HttpResponse> r) {
  if (!r.ok()) {
    ADD_FAILURE() << "no HTTP response: " << r.status();
    return {};
  }
  return *std::move(r);
}

// Creates a session through `daemon`; returns its document (null on
// failure, with the test failed).
inline nlohmann::json CreateSession(Daemon& daemon,
                                    const std::string& body = "{}") {
  const HttpResponse r = Must(daemon.Call("POST", "/v1/sessions", body));
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.Json() : nlohmann::json();
}

inline std::string SessionPath(const std::string& id,
                               const std::string& suffix = "") {
  return "/v1/sessions/" + id + suffix;
}

// The value of the sample `series` (a name, with its labels as rendered:
// `a_total{route="x",code="200"}`) in a Prometheus text page; nullopt when
// the page has no such sample.
inline std::optional<double> Sample(std::string_view page,
                                    std::string_view series) {
  size_t at = 0;
  while ((at = page.find(series, at)) != std::string_view::npos) {
    const bool line_start = at == 0 || page[at - 1] == '\n';
    const size_t value = at + series.size();
    if (line_start && value < page.size() && page[value] == ' ') {
      return std::stod(std::string(page.substr(value + 1, 32)));
    }
    at = value;
  }
  return std::nullopt;
}

// The sample `series` as `daemon` reports it now; -1 when it is missing
// (or there was no answer, with the test failed).
inline double MetricOf(Daemon& daemon, std::string_view series) {
  const HttpResponse r = Must(daemon.Call("GET", "/metrics"));
  return Sample(r.body, series).value_or(-1);
}

}  // namespace sessionkeeper::testing

#endif  // SESSIONKEEPER_TESTS_SERVER_DAEMON_TEST_UTIL_H_
