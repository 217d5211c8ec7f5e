// Helpers shared by the daemon tests.
#ifndef SESSIONKEEPER_TESTS_SERVER_DAEMON_TEST_UTIL_H_
#define SESSIONKEEPER_TESTS_SERVER_DAEMON_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace sessionkeeper::testing

#endif  // SESSIONKEEPER_TESTS_SERVER_DAEMON_TEST_UTIL_H_
