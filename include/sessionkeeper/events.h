// Session lifecycle events and cluster members, as seen through a
// SessionManager.
#ifndef SESSIONKEEPER_EVENTS_H_
#define SESSIONKEEPER_EVENTS_H_

#include <cstdint>
#include <functional>
#include <string>

namespace sessionkeeper {

enum class SessionEventType {
  kCreated,            // By this manager.
  kAttributesChanged,  // By this manager.
  kInvalidated,        // By this manager (cause: "invalidated" or "rotated").
  // The session expired and this manager's delete won: fired exactly once
  // across the cluster (cause: "idle" or "absolute").
  kExpired,
};

struct SessionEvent {
  SessionEventType type = SessionEventType::kCreated;
  std::string session_id;
  std::string principal;
  std::string cause;
};

// Runs on the manager's event thread: never on a ZooKeeper thread, never
// under an internal lock. It may call the manager's asynchronous API.
using SessionListener = std::function<void(const SessionEvent&)>;

struct Member {
  std::string node_id;
  std::string address;
  int64_t started_at_ms = 0;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_EVENTS_H_
