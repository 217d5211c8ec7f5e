// SessionRecord: the decoded contents of one session znode, as plain C++.
// The FlatBuffers form lives only in session_codec.cc.
#ifndef SESSIONKEEPER_STORE_SESSION_RECORD_H_
#define SESSIONKEEPER_STORE_SESSION_RECORD_H_

#include <cstdint>
#include <map>
#include <string>

namespace sessionkeeper::store {

// The schema version this build writes (SessionRecord.format_version).
inline constexpr uint32_t kSessionFormatVersion = 1;

struct SessionRecord {
  uint32_t format_version = kSessionFormatVersion;
  std::string id;
  std::string principal;  // Empty: no principal.
  int64_t created_at_ms = 0;
  int64_t last_access_at_ms = 0;
  int64_t max_idle_ms = 0;                        // > 0.
  int64_t max_lifetime_ms = 0;                    // 0: no absolute timeout.
  std::map<std::string, std::string> attributes;  // Name -> bytes.
  std::string last_writer;   // Node id of the manager that wrote it last.
  uint64_t write_nonce = 0;  // Random per write attempt: resolves ambiguity.

  friend bool operator==(const SessionRecord&, const SessionRecord&) = default;
};

}  // namespace sessionkeeper::store

#endif  // SESSIONKEEPER_STORE_SESSION_RECORD_H_
