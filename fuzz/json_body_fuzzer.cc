// Fuzzes the daemon's request bodies (src/server/json_codec.h): the same
// bytes as a POST /v1/sessions body and as a PATCH body. Checks: no crash,
// no exception, no undefined behaviour; errors are InvalidArgument and do
// not repeat the body; what parses keeps the documented limits, and a
// created session's attributes survive the response document and a second
// parse unchanged.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "server/json_codec.h"

namespace {

using sessionkeeper::Result;
using sessionkeeper::Status;
namespace server = sessionkeeper::server;

void CheckError(const Status& status, std::string_view body) {
  FUZZ_CHECK(status.IsInvalidArgument());
  // Every message is fixed text; a long body found in it was echoed.
  if (body.size() >= 32) {
    FUZZ_CHECK(status.message().find(body) == std::string::npos);
  }
}

void CheckCreate(const sessionkeeper::CreateRequest& request) {
  constexpr auto kMax = std::chrono::seconds(server::kMaxSessionSeconds);
  if (request.max_idle.has_value()) {
    FUZZ_CHECK(*request.max_idle >= std::chrono::seconds(1));
    FUZZ_CHECK(*request.max_idle <= kMax);
  }
  if (request.max_lifetime.has_value()) {
    FUZZ_CHECK(request.max_lifetime->count() >= 0);
    FUZZ_CHECK(*request.max_lifetime <= kMax);
  }
  // The attributes as the daemon would answer them, sent back as a body.
  sessionkeeper::Session session;
  session.id = "AAAAAAAAAAAAAAAAAAAAAA";
  session.max_idle_ms = 1000;
  session.attributes = request.attributes;
  const nlohmann::json doc = nlohmann::json::parse(
      server::SessionToJson(session), nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!doc.is_discarded() && doc.is_object());
  nlohmann::json body = nlohmann::json::object();
  body["attributes"] = doc["attributes"];
  if (doc.contains("attributes_b64")) {
    body["attributes_b64"] = doc["attributes_b64"];
  }
  const Result<sessionkeeper::CreateRequest> again =
      server::ParseCreateRequest(body.dump());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->attributes == request.attributes);
}

void CheckMutation(const sessionkeeper::Mutation& mutation) {
  FUZZ_CHECK(!mutation.expected_version.has_value());
  std::set<std::string> removed;
  for (const std::string& name : mutation.remove) {
    FUZZ_CHECK(removed.insert(name).second);  // No duplicates.
    FUZZ_CHECK(!mutation.set.contains(name));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const Result<sessionkeeper::CreateRequest> create =
      server::ParseCreateRequest(body);
  if (create.ok()) {
    CheckCreate(*create);
  } else {
    CheckError(create.status(), body);
  }
  const Result<sessionkeeper::Mutation> mutation = server::ParseMutation(body);
  if (mutation.ok()) {
    CheckMutation(*mutation);
  } else {
    CheckError(mutation.status(), body);
  }
  return 0;
}
