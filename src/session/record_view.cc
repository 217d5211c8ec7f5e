// Record -> Session or SessionSnapshot and back, and the expiry rule.
#include "session/record_view.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace sessionkeeper {

namespace {

int64_t Deadline(int64_t start_ms, int64_t length_ms) {
  // Saturate instead of overflowing on absurd stored values (either sign:
  // a corrupt or foreign record may hold anything).
  int64_t at = 0;
  if (__builtin_add_overflow(start_ms, length_ms, &at)) {
    return length_ms > 0 ? std::numeric_limits<int64_t>::max()
                         : std::numeric_limits<int64_t>::min();
  }
  return at;
}

}  // namespace

int64_t Session::expires_at_ms() const {
  return session::ExpiresAtMs(created_at_ms, last_access_at_ms, max_idle_ms,
                              max_lifetime_ms);
}

int64_t SessionSnapshot::expires_at_ms() const {
  return session::ExpiresAtMs(created_at_ms(), last_access_at_ms(),
                              max_idle_ms(), max_lifetime_ms());
}

namespace session {

int64_t ExpiresAtMs(int64_t created_at_ms, int64_t last_access_at_ms,
                    int64_t max_idle_ms, int64_t max_lifetime_ms) {
  int64_t at = Deadline(last_access_at_ms, max_idle_ms);
  if (max_lifetime_ms > 0) {
    at = std::min(at, Deadline(created_at_ms, max_lifetime_ms));
  }
  return at;
}

int64_t ExpiresAtMs(const store::SessionRecord& record) {
  return ExpiresAtMs(record.created_at_ms, record.last_access_at_ms,
                     record.max_idle_ms, record.max_lifetime_ms);
}

SessionSnapshot ToSnapshot(const store::SessionRecord& record,
                           int32_t version) {
  return SessionSnapshot({record.id, record.principal, record.created_at_ms,
                          record.last_access_at_ms, record.max_idle_ms,
                          record.max_lifetime_ms, version, /*stale=*/false},
                         record.attributes);
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

Session ToSession(store::SessionRecord&& record, int32_t version) {
  Session s;
  s.id = std::move(record.id);
  s.principal = std::move(record.principal);
  s.created_at_ms = record.created_at_ms;
  s.last_access_at_ms = record.last_access_at_ms;
  s.max_idle_ms = record.max_idle_ms;
  s.max_lifetime_ms = record.max_lifetime_ms;
  s.attributes = std::move(record.attributes);
  s.version = version;
  return s;
}

store::SessionRecord ToRecord(const SessionSnapshot& snapshot,
                              uint32_t format_version) {
  store::SessionRecord r;
  r.format_version = format_version;
  r.id = snapshot.id();
  r.principal = snapshot.principal();
  r.created_at_ms = snapshot.created_at_ms();
  r.last_access_at_ms = snapshot.last_access_at_ms();
  r.max_idle_ms = snapshot.max_idle_ms();
  r.max_lifetime_ms = snapshot.max_lifetime_ms();
  for (const auto& [name, value] : snapshot.attributes()) {
    r.attributes.emplace_hint(r.attributes.end(), name, value);
  }
  return r;
}

store::SessionRecord ToRecord(const Session& session, uint32_t format_version) {
  store::SessionRecord r;
  r.format_version = format_version;
  r.id = session.id;
  r.principal = session.principal;
  r.created_at_ms = session.created_at_ms;
  r.last_access_at_ms = session.last_access_at_ms;
  r.max_idle_ms = session.max_idle_ms;
  r.max_lifetime_ms = session.max_lifetime_ms;
  r.attributes = session.attributes;
  return r;
}

}  // namespace session
}  // namespace sessionkeeper
