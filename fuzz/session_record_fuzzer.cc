// Fuzzes DecodeSessionRecord with arbitrary znode bytes and checks its
// contract (src/store/session_codec.h): no crash or undefined behaviour; the
// same verdict whatever the buffer's alignment; a record that decodes passes
// every documented check, re-encodes to bytes that decode to the same
// record, and comes out of the HTTP layer as a JSON document whose
// attributes parse back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "server/json_codec.h"
#include "session/names.h"
#include "session/record_view.h"
#include "session/session_id.h"
#include "store/session_codec.h"
#include "store/session_record.h"

namespace {

using sessionkeeper::Result;
using sessionkeeper::store::DecodeSessionRecord;
using sessionkeeper::store::SessionRecord;

// The bytes again, starting at an odd address: the decoder must copy them
// to an aligned buffer rather than read misaligned scalars.
Result<SessionRecord> DecodeMisaligned(std::string_view bytes) {
  std::vector<uint64_t> storage(bytes.size() / sizeof(uint64_t) + 2);
  char* odd = reinterpret_cast<char*>(storage.data()) + 1;
  if (!bytes.empty()) std::memcpy(odd, bytes.data(), bytes.size());
  return DecodeSessionRecord(std::string_view(odd, bytes.size()));
}

void CheckValid(const SessionRecord& record) {
  namespace session = sessionkeeper::session;
  FUZZ_CHECK(record.format_version >= 1);
  FUZZ_CHECK(session::ValidateSessionId(record.id).ok());
  FUZZ_CHECK(record.principal.empty() ||
             session::ValidatePrincipal(record.principal).ok());
  FUZZ_CHECK(record.created_at_ms >= 0);
  FUZZ_CHECK(record.last_access_at_ms >= 0);
  FUZZ_CHECK(record.max_idle_ms > 0);
  FUZZ_CHECK(record.max_lifetime_ms >= 0);
  for (const auto& [name, value] : record.attributes) {
    FUZZ_CHECK(session::ValidateAttributeName(name).ok());
  }
}

void CheckReencodes(const SessionRecord& record) {
  const std::string bytes = sessionkeeper::store::EncodeSessionRecord(record);
  const Result<SessionRecord> again = DecodeSessionRecord(bytes);
  FUZZ_CHECK(again.ok());
  SessionRecord expected = record;
  expected.format_version = sessionkeeper::store::kSessionFormatVersion;
  FUZZ_CHECK(*again == expected);
}

// What GET /v1/sessions/{id} would answer for this record, read back the
// way a client's PUT of the same attributes would be.
void CheckJsonRoundTrip(const SessionRecord& record) {
  const sessionkeeper::Session session =
      sessionkeeper::session::ToSession(record, /*version=*/0);
  const std::string text = sessionkeeper::server::SessionToJson(session);
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  FUZZ_CHECK(!doc.is_discarded() && doc.is_object());
  FUZZ_CHECK(doc["id"] == record.id);
  FUZZ_CHECK(doc["expires_at"].is_number_integer());
  nlohmann::json body = nlohmann::json::object();
  body["attributes"] = doc["attributes"];
  if (doc.contains("attributes_b64")) {
    body["attributes_b64"] = doc["attributes_b64"];
  }
  const Result<sessionkeeper::CreateRequest> parsed =
      sessionkeeper::server::ParseCreateRequest(body.dump());
  FUZZ_CHECK(parsed.ok());
  FUZZ_CHECK(parsed->attributes == record.attributes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Result<SessionRecord> decoded = DecodeSessionRecord(bytes);
  const Result<SessionRecord> misaligned = DecodeMisaligned(bytes);
  FUZZ_CHECK(decoded.ok() == misaligned.ok());
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().IsDataLoss());
    FUZZ_CHECK(decoded.status().message() == misaligned.status().message());
    return 0;
  }
  FUZZ_CHECK(*decoded == *misaligned);
  CheckValid(*decoded);
  CheckReencodes(*decoded);
  CheckJsonRoundTrip(*decoded);
  return 0;
}
