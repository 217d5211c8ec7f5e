// zk::Client: owns a ZooKeeper C client handle and everything around it.
//
// - Asynchronous operations whose callbacks run on the client's callback
//   thread (never on the C client's completion thread), in the order
//   ZooKeeper completed them. Synchronous *Sync wrappers for tools and tests.
// - A connection state machine with a local session timer: disconnected for
//   the negotiated session timeout means the session is treated as lost,
//   because the C client only learns of expiry once it reconnects.
// - On session loss (server expiry or local timer) it closes the old handle
//   from its own supervisor thread, opens a new one (generation + 1), and
//   tells connection listeners. Events of an older generation are dropped.
// - One-shot watches: every watch callback runs exactly once, with the event
//   or with kSessionLost when its session ends.
//
// Thread-safe. Callbacks may call any asynchronous method; a *Sync method
// called from a callback returns FailedPrecondition instead of deadlocking.
// The destructor must not run on the callback thread.
#ifndef SESSIONKEEPER_ZK_CLIENT_H_
#define SESSIONKEEPER_ZK_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkeeper/result.h"
#include "zk/client_options.h"
#include "zk/types.h"

namespace sessionkeeper::zk {

class Client {
 public:
  // Starts connecting and returns at once; see WaitConnected.
  static Result<std::unique_ptr<Client>> Open(ClientOptions options);

  // Closes the handle (pending operations complete with Unavailable),
  // delivers kSessionLost to outstanding watches, runs every queued callback.
  ~Client();

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // --- Asynchronous operations. `done` always runs exactly once. ---------

  // Create and Set copy `data` into the request before they return: the
  // caller may reuse its buffer at once.
  void Create(std::string path, std::string_view data, CreateMode mode,
              Callback<Created> done);
  // `watch`, when set, is armed only if the read succeeded.
  void Get(std::string path, Callback<NodeData> done,
           WatchCallback watch = nullptr);
  // Get arming a data watch for `sink` (which must outlive the client) if
  // the read succeeded. Arming the same path again while armed is free.
  void GetAndWatch(std::string path, WatchSink* sink, Callback<NodeData> done);
  void Set(std::string path, std::string_view data, int32_t expected_version,
           Callback<Stat> done);
  void Delete(std::string path, int32_t expected_version, DoneCallback done);
  // A missing node is a value (nullopt), not an error. `watch` is armed in
  // both cases: it fires on creation of a missing node.
  void Exists(std::string path, Callback<std::optional<Stat>> done,
              WatchCallback watch = nullptr);
  void GetChildren(std::string path, Callback<Children> done,
                   WatchCallback watch = nullptr);
  void Multi(std::vector<Op> ops, MultiCallback done);
  // Removes this client's data/exists watches on `path`, on the server too,
  // so watches of data nobody caches any more do not pile up (the C client
  // re-sends every watch in one packet on reconnect). Their callbacks run
  // with kRemoved, and every WatchSink used through this handle gets
  // kRemoved for the path. `done` gets OK, or NotFound when nothing was
  // watched.
  void RemoveDataWatches(std::string path, DoneCallback done);
  // Brings the connected server up to date with the leader (not a quorum
  // operation: see ZOOKEEPER-1675).
  void Sync(std::string path, DoneCallback done);

  // --- Synchronous wrappers: block the caller until the callback ran. ----

  Result<Created> CreateSync(std::string path, std::string data,
                             CreateMode mode = CreateMode::kPersistent);
  Result<NodeData> GetSync(std::string path, WatchCallback watch = nullptr);
  Result<Stat> SetSync(std::string path, std::string data,
                       int32_t expected_version);
  Status DeleteSync(std::string path, int32_t expected_version);
  Result<std::optional<Stat>> ExistsSync(std::string path,
                                         WatchCallback watch = nullptr);
  Result<Children> GetChildrenSync(std::string path,
                                   WatchCallback watch = nullptr);
  MultiResult MultiSync(std::vector<Op> ops);
  Status SyncSync(std::string path);

  // Creates `path` and any missing ancestors as empty persistent nodes;
  // existing nodes are fine.
  Status EnsurePathSync(const std::string& path);

  // --- Connection. --------------------------------------------------------

  ConnectionState state() const;
  // Starts at 1; grows by one with each new handle after a session loss.
  uint64_t generation() const;
  // The ZooKeeper session id of the current handle (0 before connecting).
  int64_t session_id() const;
  // Negotiated with the server on connect; the requested one before that.
  std::chrono::milliseconds negotiated_session_timeout() const;
  // "host:port" of the server the handle is connected to; empty when none.
  std::string current_server() const;
  // Data (get/exists) watch callbacks currently armed through this handle.
  size_t armed_data_watch_count() const;
  // Handles opened so far (1 + the number of session losses handled).
  uint64_t handles_opened() const;

  // Waits until connected. Unavailable on timeout, PermissionDenied after
  // an authentication failure.
  Status WaitConnected(std::chrono::milliseconds timeout) const;

  // Listeners run on the callback thread, in registration order.
  using ListenerId = uint64_t;
  ListenerId AddConnectionListener(ConnectionListener listener);
  // After it returns the listener is never called again (off the callback
  // thread it waits for a delivery in progress to end).
  void RemoveConnectionListener(ListenerId id);

  // The ZooKeeper session's id and password, so a test can steal and close
  // the session to force its expiry (see testing/expire_session.h).
  struct SessionCredentials {
    int64_t id = 0;
    std::string password;
  };
  std::optional<SessionCredentials> session_credentials() const;

  // True when called from this client's callback thread.
  bool OnCallbackThread() const;

  // Deterministic faults for tests of ambiguous writes. Each counter, while
  // positive, applies to the next write (create, set, delete, multi) and is
  // decremented.
  struct FaultInjection {
    // The write reaches ZooKeeper and applies, but its reply is reported as
    // a connection loss (outcome unknown).
    std::atomic<int> lose_write_replies{0};
    // The write is never sent, yet reported as a connection loss.
    std::atomic<int> drop_writes_unsent{0};
  };
  FaultInjection& faults_for_testing();

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace sessionkeeper::zk

#endif  // SESSIONKEEPER_ZK_CLIENT_H_
