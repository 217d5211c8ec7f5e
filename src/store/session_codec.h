// The stored form of a SessionRecord (FlatBuffers, flatbuffers/session.fbs)
// and the checks every stored record passes when it is read back.
#ifndef SESSIONKEEPER_STORE_SESSION_CODEC_H_
#define SESSIONKEEPER_STORE_SESSION_CODEC_H_

#include <string>
#include <string_view>

#include "sessionkeeper/result.h"
#include "store/session_record.h"

namespace sessionkeeper::store {

// The bytes of `record` for its znode, attributes sorted by name. Always
// writes format_version = kSessionFormatVersion whatever record.format_version
// says: the field names the schema of the writer, so a newer reader can tell
// that fields it knows were absent for the writer rather than cleared.
// Does not validate: callers check ids and names before they build a record,
// and DecodeSessionRecord rejects whatever slips through.
std::string EncodeSessionRecord(const SessionRecord& record);

// The same bytes in a buffer this thread reuses: valid until the thread's
// next call. For a write whose bytes are copied into the ZooKeeper request
// at once (zk::Client::Set and Create), this spares the allocation of a
// builder and of a string per write. The buffer is kept between calls
// unless it grew past 256 KiB for an unusually large session.
std::string_view EncodeSessionRecordInScratch(const SessionRecord& record);

// Decodes bytes read from a session znode. Never trusts them: any input
// (empty, truncated, random, huge, misaligned) gives either a record that
// passes every check below or DataLoss("session record: ..."), never a crash
// or undefined behaviour. Checks: FlatBuffers verification with file
// identifier "SKSR"; id passes ValidateSessionId; principal empty or passes
// ValidatePrincipal; created/last-access/max-lifetime >= 0 and max-idle > 0;
// attribute names pass ValidateAttributeName and are unique; format_version
// >= 1. A record with a newer format_version decodes to the fields this build
// knows (record.format_version keeps the stored value). Messages never
// contain attribute values, ids or principals. Thread-safe.
Result<SessionRecord> DecodeSessionRecord(std::string_view bytes);

}  // namespace sessionkeeper::store

#endif  // SESSIONKEEPER_STORE_SESSION_CODEC_H_
