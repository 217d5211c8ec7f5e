// JSON bodies of the HTTP contract: request bodies into library requests,
// sessions into documents. Never throws: malformed input is an
// InvalidArgument whose message does not repeat the input.
//
// Attribute values are bytes. In JSON they travel as strings when they are
// valid UTF-8 ("attributes", "set"); any value may instead travel base64
// encoded ("attributes_b64", "set_b64"), and the service answers a value
// that is not valid UTF-8 that way.
#ifndef SESSIONKEEPER_SERVER_JSON_CODEC_H_
#define SESSIONKEEPER_SERVER_JSON_CODEC_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkeeper/events.h"
#include "sessionkeeper/lease.h"
#include "sessionkeeper/manager_stats.h"
#include "sessionkeeper/result.h"
#include "sessionkeeper/session.h"
#include "sessionkeeper/session_snapshot.h"

namespace sessionkeeper::server {

// Deeper bodies are rejected before parsing (ours are at most 2 deep).
inline constexpr int kMaxJsonDepth = 16;
// Upper bound of max_idle_s / max_lifetime_s (100 years), far from int64
// overflow when the library adds them to millisecond timestamps.
inline constexpr int64_t kMaxSessionSeconds = int64_t{100} * 365 * 86400;

// ttl_ms of a lease: what SessionManager::AcquireLease and RenewLease
// accept (1 ms to 24 hours), so the daemon refuses nothing the library
// takes and passes on nothing it refuses.
inline constexpr int64_t kMinLeaseTtlMs = 1;
inline constexpr int64_t kMaxLeaseTtlMs = int64_t{24} * 3600 * 1000;
// A lease holder: 1 to this many bytes of UTF-8 (the library's limit).
inline constexpr size_t kMaxLeaseHolderBytes = 256;

struct LeaseRequest {
  std::string holder;  // Empty on a renewal that did not repeat it.
  std::chrono::milliseconds ttl{0};
};

// POST /v1/sessions/{id}/lease: {"holder", "ttl_ms"}, both required. A
// renewal (`renewal`: the request carries X-Lease-Token) needs only
// "ttl_ms"; "holder" may be repeated but the token alone names the lease.
Result<LeaseRequest> ParseLeaseRequest(std::string_view body, bool renewal);

// {"token", "expires_at"}: a lease this caller holds.
std::string LeaseToJson(const Lease& lease);

// POST /v1/sessions: {"principal"?, "max_idle_s"?, "max_lifetime_s"?,
// "attributes"?, "attributes_b64"?}. An empty body is {}; null is absent.
Result<CreateRequest> ParseCreateRequest(std::string_view body);

// PATCH /v1/sessions/{id}: {"set"?, "set_b64"?, "remove"?}. The expected
// version comes from If-Match, not from the body.
Result<Mutation> ParseMutation(std::string_view body);

// The session document: id, version, principal (null when none),
// created_at, last_access_at, expires_at (ms since the epoch), max_idle_s,
// attributes, and attributes_b64 when some value is not valid UTF-8.
std::string SessionToJson(const SessionSnapshot& session);
std::string SessionToJson(const Session& session);

// {"sessions": [id...]}
std::string SessionIdsToJson(const std::vector<std::string>& ids);

// {"invalidated": n}
std::string InvalidatedToJson(size_t count);

// {"members": [{"node_id", "address", "started_at"}...]} (skctl members).
std::string MembersToJson(const std::vector<Member>& members);

// {"node_id", "connection": {...}, "cache": {...}, "lifecycle": {...},
// "members": [...]}: a manager's statistics with the field names of
// manager_stats.h (skctl stats).
std::string ManagerStatsToJson(const std::string& node_id,
                               const ManagerStats& stats,
                               const std::vector<Member>& members);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_JSON_CODEC_H_
