// Conversions between the stored record and the public Session, and the
// expiry rule both are judged by.
#ifndef SESSIONKEEPER_SESSION_RECORD_VIEW_H_
#define SESSIONKEEPER_SESSION_RECORD_VIEW_H_

#include <cstdint>

#include "sessionkeeper/session.h"
#include "store/session_record.h"

namespace sessionkeeper::session {

// The earlier of last access + max idle and created + max lifetime.
int64_t ExpiresAtMs(const store::SessionRecord& record);

inline bool IsExpired(const store::SessionRecord& record, int64_t now_ms) {
  return now_ms >= ExpiresAtMs(record);
}

Session ToSession(const store::SessionRecord& record, int32_t version);
// As above, taking the record's strings instead of copying them.
Session ToSession(store::SessionRecord&& record, int32_t version);
// The record a Session was decoded from, but for the last writer and the
// write nonce (every write sets both anew).
store::SessionRecord ToRecord(const Session& session, uint32_t format_version);

}  // namespace sessionkeeper::session

#endif  // SESSIONKEEPER_SESSION_RECORD_VIEW_H_
