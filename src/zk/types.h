// Plain value types of the ZooKeeper layer: node metadata, operations for
// multi, watch and connection events. Free of <zookeeper/zookeeper.h> so the
// layers above never see the C client.
#ifndef SESSIONKEEPER_ZK_TYPES_H_
#define SESSIONKEEPER_ZK_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkeeper/result.h"
#include "sessionkeeper/status.h"

namespace sessionkeeper::zk {

// Pass as an expected version to skip the version check.
inline constexpr int32_t kAnyVersion = -1;

// A znode's metadata (ZooKeeper's Stat).
struct Stat {
  int64_t czxid = 0;  // Transaction that created the node.
  int64_t mzxid = 0;  // Transaction that last modified the data.
  int64_t pzxid = 0;  // Transaction that last changed the children.
  int64_t ctime_ms = 0;
  int64_t mtime_ms = 0;
  int32_t version = 0;  // Data version: the expected version of writes.
  int32_t cversion = 0;
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;  // Owning session id, 0 when persistent.
  int32_t data_length = 0;
  int32_t num_children = 0;

  friend bool operator==(const Stat&, const Stat&) = default;
};

enum class CreateMode {
  kPersistent,
  kEphemeral,
  kPersistentSequential,
  kEphemeralSequential,
  kContainer,
};

struct NodeData {
  std::string data;
  Stat stat;
};

struct Children {
  std::vector<std::string> names;
  Stat stat;  // Of the parent.
};

struct Created {
  std::string path;  // Differs from the request for sequential modes.
  Stat stat;
};

// One operation of a multi (transaction).
struct Op {
  enum class Type { kCreate, kDelete, kSet, kCheck };

  static Op Create(std::string path, std::string data,
                   CreateMode mode = CreateMode::kPersistent);
  static Op Delete(std::string path, int32_t version);
  static Op Set(std::string path, std::string data, int32_t version);
  static Op Check(std::string path, int32_t version);

  Type type = Type::kCheck;
  std::string path;
  std::string data;
  int32_t version = kAnyVersion;
  CreateMode mode = CreateMode::kPersistent;
};

struct OpResult {
  Status status;
  std::string path;  // kCreate: the created path.
  Stat stat;         // kSet: the new metadata.
};

// A multi either applied every operation or none. On failure `status` is
// the error of the operation at `failed_index`; the others report that they
// were rolled back.
struct MultiResult {
  Status status;
  size_t failed_index = 0;
  std::vector<OpResult> results;

  bool ok() const { return status.ok(); }
};

enum class WatchEventType {
  kCreated,
  kDeleted,
  kDataChanged,
  kChildrenChanged,
  // The watch will never fire: its ZooKeeper session ended (expired, or the
  // client closed). Whatever it guarded must be treated as stale.
  kSessionLost,
  // The watch was removed on request (Client::RemoveDataWatches).
  kRemoved,
};

std::string_view WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kSessionLost;
  std::string path;
  uint64_t generation = 0;  // Session generation the watch was set in.
};

// States of a Client's connection. Transitions:
//   kConnecting -> kConnected <-> kDisconnected
//   kConnected/kDisconnected/kConnecting -> kExpired -> kConnecting (a new
//     handle, generation + 1)
//   any -> kAuthFailed (credentials rejected; terminal), any -> kClosed.
enum class ConnectionState {
  kConnecting,
  kConnected,
  kDisconnected,
  kExpired,
  kAuthFailed,
  kClosed,
};

std::string_view ConnectionStateName(ConnectionState state);

// Why a session was given up.
enum class SessionLossCause {
  kNone,
  kServerExpired,  // The server said so on reconnect.
  kLocalTimeout,   // Disconnected for the whole negotiated session timeout.
};

struct ConnectionEvent {
  ConnectionState state = ConnectionState::kConnecting;
  uint64_t generation = 0;  // Session generation this event belongs to.
  SessionLossCause cause = SessionLossCause::kNone;  // Set for kExpired.
};

template <typename T>
using Callback = std::function<void(Result<T>)>;
using DoneCallback = std::function<void(Status)>;
using MultiCallback = std::function<void(MultiResult)>;
using WatchCallback = std::function<void(const WatchEvent&)>;
using ConnectionListener = std::function<void(const ConnectionEvent&)>;

// The target of watches armed in bulk (one per cached session): unlike a
// WatchCallback, arming one stores nothing on our side, only the C client's
// own registration of the path. Events run on the client's callback thread
// with the path; a sink gets no kSessionLost (a connection listener learns
// of the session's end), and kRemoved from RemoveDataWatches.
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  virtual void OnWatchEvent(const WatchEvent& event) = 0;
};

}  // namespace sessionkeeper::zk

#endif  // SESSIONKEEPER_ZK_TYPES_H_
