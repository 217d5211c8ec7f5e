// Session: a snapshot of one session as stored, plus the request types the
// SessionManager takes.
#ifndef SESSIONKEEPER_SESSION_H_
#define SESSIONKEEPER_SESSION_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sessionkeeper {

struct Session {
  std::string id;
  std::string principal;  // Empty when the session has none.
  int64_t created_at_ms = 0;
  int64_t last_access_at_ms = 0;
  int64_t max_idle_ms = 0;
  int64_t max_lifetime_ms = 0;  // 0: no absolute timeout.
  // Attribute name -> value (arbitrary bytes).
  std::map<std::string, std::string> attributes;
  // The znode version: pass as an expected version to Mutate to make a
  // write conditional on nobody having written since this snapshot.
  int32_t version = 0;
  // Set only for a kCachedOrStale read served while disconnected from
  // ZooKeeper: the copy may miss changes made since.
  bool stale = false;

  // When the session expires: the earlier of last access + max idle and
  // created + max lifetime.
  int64_t expires_at_ms() const;
  bool ExpiredAt(int64_t now_ms) const { return now_ms >= expires_at_ms(); }
};

struct CreateRequest {
  std::string principal;  // Optional: indexes the session for FindByPrincipal.
  // Unset: the manager's defaults.
  std::optional<std::chrono::milliseconds> max_idle;
  std::optional<std::chrono::milliseconds> max_lifetime;
  std::map<std::string, std::string> attributes;
};

// Attribute changes of one Mutate call. Applying it twice is the same as
// applying it once, which is what makes conflict replay safe.
struct Mutation {
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;
  // When set, the write happens only if the session is still at this
  // version; a mismatch is Aborted and nothing is replayed.
  std::optional<int32_t> expected_version;
  // When set, the write is fenced: it applies only while this lease token
  // is still the session's lease (Fenced otherwise, and nothing changes).
  std::optional<int64_t> lease_token;
};

enum class ReadConsistency {
  // The local cached copy while its watch is armed and the connection is up;
  // otherwise loaded from the server (and cached). While disconnected it
  // fails with Unavailable: the cache cannot know what it missed.
  kCached,
  // Like kCached, but while disconnected a cached copy is returned anyway,
  // marked Session::stale. Never silently stale.
  kCachedOrStale,
  // Read from the ZooKeeper server this node is connected to: may lag other
  // servers, never goes back in time for this manager.
  kSequential,
  // Sees every write acknowledged anywhere before the call started: a quorum
  // operation (a multi holding a version check of the session) is ordered
  // before the read.
  kLinearizable,
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_SESSION_H_
