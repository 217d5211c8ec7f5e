// Constructors and names for the ZooKeeper layer's value types.
#include "zk/types.h"

#include <utility>

namespace sessionkeeper::zk {

Op Op::Create(std::string path, std::string data, CreateMode mode) {
  Op op;
  op.type = Type::kCreate;
  op.path = std::move(path);
  op.data = std::move(data);
  op.mode = mode;
  return op;
}

Op Op::Delete(std::string path, int32_t version) {
  Op op;
  op.type = Type::kDelete;
  op.path = std::move(path);
  op.version = version;
  return op;
}

Op Op::Set(std::string path, std::string data, int32_t version) {
  Op op;
  op.type = Type::kSet;
  op.path = std::move(path);
  op.data = std::move(data);
  op.version = version;
  return op;
}

Op Op::Check(std::string path, int32_t version) {
  Op op;
  op.type = Type::kCheck;
  op.path = std::move(path);
  op.version = version;
  return op;
}

std::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kCreated:
      return "created";
    case WatchEventType::kDeleted:
      return "deleted";
    case WatchEventType::kDataChanged:
      return "data-changed";
    case WatchEventType::kChildrenChanged:
      return "children-changed";
    case WatchEventType::kSessionLost:
      return "session-lost";
    case WatchEventType::kRemoved:
      return "removed";
  }
  return "unknown";
}

std::string_view ConnectionStateName(ConnectionState state) {
  switch (state) {
    case ConnectionState::kConnecting:
      return "connecting";
    case ConnectionState::kConnected:
      return "connected";
    case ConnectionState::kDisconnected:
      return "disconnected";
    case ConnectionState::kExpired:
      return "expired";
    case ConnectionState::kAuthFailed:
      return "auth-failed";
    case ConnectionState::kClosed:
      return "closed";
  }
  return "unknown";
}

}  // namespace sessionkeeper::zk
