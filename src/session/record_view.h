// Conversions between the stored record and the public Session and
// SessionSnapshot, and the expiry rule all three are judged by.
#ifndef SESSIONKEEPER_SESSION_RECORD_VIEW_H_
#define SESSIONKEEPER_SESSION_RECORD_VIEW_H_

#include <cstdint>

#include "sessionkeeper/session.h"
#include "sessionkeeper/session_snapshot.h"
#include "store/session_record.h"

namespace sessionkeeper::session {

// The earlier of last access + max idle and created + max lifetime (when
// max_lifetime_ms > 0), saturating instead of overflowing.
int64_t ExpiresAtMs(int64_t created_at_ms, int64_t last_access_at_ms,
                    int64_t max_idle_ms, int64_t max_lifetime_ms);
int64_t ExpiresAtMs(const store::SessionRecord& record);

inline bool IsExpired(const store::SessionRecord& record, int64_t now_ms) {
  return now_ms >= ExpiresAtMs(record);
}

Session ToSession(const store::SessionRecord& record, int32_t version);
// As above, taking the record's strings instead of copying them.
Session ToSession(store::SessionRecord&& record, int32_t version);
SessionSnapshot ToSnapshot(const store::SessionRecord& record, int32_t version);
// The record a SessionSnapshot was made from, but for the last writer and
// the write nonce (every write sets both anew).
store::SessionRecord ToRecord(const SessionSnapshot& snapshot,
                              uint32_t format_version);
// The record a Session was decoded from, but for the last writer and the
// write nonce (every write sets both anew).
store::SessionRecord ToRecord(const Session& session, uint32_t format_version);

}  // namespace sessionkeeper::session

#endif  // SESSIONKEEPER_SESSION_RECORD_VIEW_H_
