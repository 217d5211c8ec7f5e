// Record -> Session, and the expiry rule.
#include "session/record_view.h"

#include <algorithm>
#include <limits>

namespace sessionkeeper {

namespace {

int64_t Deadline(int64_t start_ms, int64_t length_ms) {
  // Saturate instead of overflowing on absurd stored values.
  if (length_ms > std::numeric_limits<int64_t>::max() - start_ms) {
    return std::numeric_limits<int64_t>::max();
  }
  return start_ms + length_ms;
}

}  // namespace

int64_t Session::expires_at_ms() const {
  int64_t at = Deadline(last_access_at_ms, max_idle_ms);
  if (max_lifetime_ms > 0) {
    at = std::min(at, Deadline(created_at_ms, max_lifetime_ms));
  }
  return at;
}

namespace session {

int64_t ExpiresAtMs(const store::SessionRecord& record) {
  int64_t at = Deadline(record.last_access_at_ms, record.max_idle_ms);
  if (record.max_lifetime_ms > 0) {
    at = std::min(at, Deadline(record.created_at_ms, record.max_lifetime_ms));
  }
  return at;
}

Session ToSession(const store::SessionRecord& record, int32_t version) {
  Session s;
  s.id = record.id;
  s.principal = record.principal;
  s.created_at_ms = record.created_at_ms;
  s.last_access_at_ms = record.last_access_at_ms;
  s.max_idle_ms = record.max_idle_ms;
  s.max_lifetime_ms = record.max_lifetime_ms;
  s.attributes = record.attributes;
  s.version = version;
  return s;
}

}  // namespace session
}  // namespace sessionkeeper
