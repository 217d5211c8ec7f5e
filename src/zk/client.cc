// zk::Client over libzookeeper_mt: handle ownership, completion hand-off,
// watches, and the connection state machine with handle re-creation.
//
// Threads:
// - the C client's I/O and completion threads (one pair per handle). Code
//   running on the completion thread only copies results, updates small
//   tables under short locks, and posts to `executor_`;
// - `executor_`: runs every user callback and listener, in order;
// - `supervisor_`: the local session timer, and closing / re-opening the
//   handle after a session loss (zookeeper_close never runs on a completion
//   thread).
#include "zk/client.h"

#include <glog/logging.h>
#include <zookeeper/zookeeper.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/serial_executor.h"
#include "zk/error_mapping.h"
#include "zk/path.h"

namespace sessionkeeper::zk {

namespace {

using SteadyClock = std::chrono::steady_clock;

// The least time between two routine resolutions of the servers' names.
constexpr int kServersResolutionDelayMs = 5000;
// How long to wait before retrying zookeeper_init after it failed.
constexpr std::chrono::seconds kReopenBackoff{1};

// Room for the longest path a sequential create can return.
constexpr size_t kCreatedPathBuffer = 4096;

Stat FromZkStat(const ::Stat& s) {
  Stat out;
  out.czxid = s.czxid;
  out.mzxid = s.mzxid;
  out.pzxid = s.pzxid;
  out.ctime_ms = s.ctime;
  out.mtime_ms = s.mtime;
  out.version = s.version;
  out.cversion = s.cversion;
  out.aversion = s.aversion;
  out.ephemeral_owner = s.ephemeralOwner;
  out.data_length = s.dataLength;
  out.num_children = s.numChildren;
  return out;
}

int ToZkMode(CreateMode mode) {
  switch (mode) {
    case CreateMode::kPersistent:
      return ZOO_PERSISTENT;
    case CreateMode::kEphemeral:
      return ZOO_EPHEMERAL;
    case CreateMode::kPersistentSequential:
      return ZOO_PERSISTENT_SEQUENTIAL;
    case CreateMode::kEphemeralSequential:
      return ZOO_EPHEMERAL_SEQUENTIAL;
    case CreateMode::kContainer:
      return ZOO_CONTAINER;
  }
  return ZOO_PERSISTENT;
}

// While no server answers, the C client logs an error for every connect
// attempt, thousands a second across a few handles. Warnings pass at most
// kWarningsPerSecond a second (process-wide); the rest are counted, logged
// at verbose level, and summarised in the next second's first line.
constexpr int kWarningsPerSecond = 5;

bool AdmitWarning(int64_t* suppressed_before) {
  static std::mutex mu;
  static int64_t window_second = 0;
  static int in_window = 0;
  static int64_t suppressed = 0;
  const int64_t now_second =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count();
  std::lock_guard<std::mutex> lock(mu);
  if (now_second != window_second) {
    window_second = now_second;
    in_window = 0;
  }
  if (++in_window > kWarningsPerSecond) {
    ++suppressed;
    return false;
  }
  *suppressed_before = suppressed;
  suppressed = 0;
  return true;
}

// The C client formats each line as "<time>:<pid>(<tid>):ZOO_<LEVEL>@...".
void LogToGlog(const char* message) {
  const char* tag = std::strstr(message, "ZOO_");
  const char* text = tag != nullptr ? tag : message;
  if (std::strncmp(text, "ZOO_ERROR", 9) == 0 ||
      std::strncmp(text, "ZOO_WARN", 8) == 0) {
    int64_t suppressed = 0;
    if (!AdmitWarning(&suppressed)) {
      VLOG(1) << "zookeeper: " << text;
      return;
    }
    if (suppressed > 0) {
      LOG(WARNING) << "zookeeper: " << suppressed
                   << " more warnings were suppressed (rate limit)";
    }
    LOG(WARNING) << "zookeeper: " << text;
  } else if (std::strncmp(text, "ZOO_INFO", 8) == 0) {
    VLOG(1) << "zookeeper: " << text;
  } else {
    VLOG(2) << "zookeeper: " << text;
  }
}

std::once_flag g_log_level_once;

}  // namespace

// One zhandle_t and the watches armed through it. Created and destroyed by
// the supervisor (or Open/~Client); outlives every callback of its handle
// because it is destroyed only after zookeeper_close returned.
// An operation context handed to the C client, until its completion takes
// it back.
struct PendingOp {
  virtual ~PendingOp() = default;
  virtual void Fail(Client::Impl* impl, Status s) = 0;
};

struct HandleState {
  HandleState(Client::Impl* owner, uint64_t gen)
      : impl(owner), generation(gen) {}

  Client::Impl* const impl;
  const uint64_t generation;
  zhandle_t* zh = nullptr;  // Set once after zookeeper_init.

  // The context the C client stores with each watch of one WatchSink: the
  // only state of ours for those watches.
  struct SinkBinding {
    HandleState* hs;
    WatchSink* sink;
  };

  std::mutex watch_mu;  // Guards the members below.
  std::unordered_map<std::string, std::vector<WatchCallback>> data_watches;
  std::unordered_map<std::string, std::vector<WatchCallback>> child_watches;
  std::vector<std::unique_ptr<SinkBinding>> sink_bindings;
  bool retired = false;  // After close: watches can no longer fire.

  // Contexts owned by the C client. zookeeper_close does not complete every
  // one of them (responses already read but not yet dispatched are dropped),
  // so whatever is left after the close is failed here: every callback runs
  // exactly once.
  std::mutex pending_mu;
  std::unordered_set<PendingOp*> pending;
};

class Client::Impl {
 public:
  explicit Impl(ClientOptions options)
      : options_(std::move(options)),
        executor_(options_.thread_name + "-cb"),
        negotiated_timeout_(options_.session_timeout) {}

  // --- Submission -------------------------------------------------------

  // Runs `submit(zh, op)` on the current handle. The C client owns `op`
  // only when submit returned ZOK; otherwise `op` fails with the mapped
  // error here.
  template <typename OpT, typename SubmitFn>
  void Submit(std::unique_ptr<OpT> op, std::string_view what, OpKind kind,
              SubmitFn submit) {
    int rc = ZINVALIDSTATE;
    if (kind == OpKind::kWrite && TakeFault(faults_.drop_writes_unsent)) {
      op->Fail(this, StatusFromZk(ZCONNECTIONLOSS,
                                  std::string(what) + " " + op->path +
                                      " (injected: not sent)",
                                  kind));
      return;
    }
    {
      std::shared_lock<std::shared_mutex> lock(handle_mu_);
      HandleState* hs = current_.get();
      if (hs != nullptr && hs->zh != nullptr) {
        op->hs = hs;
        OpT* raw = op.release();
        {
          std::lock_guard<std::mutex> pending_lock(hs->pending_mu);
          hs->pending.insert(raw);
        }
        rc = submit(hs->zh, raw);
        if (rc != ZOK) {
          std::lock_guard<std::mutex> pending_lock(hs->pending_mu);
          hs->pending.erase(raw);
          op.reset(raw);
        }
      }
    }
    if (rc != ZOK) {
      std::string context(what);
      context += " ";
      context += op->path;
      op->Fail(this, StatusFromZk(rc, context, kind));
    }
  }

  template <typename Fn, typename Arg>
  void PostCall(Fn fn, Arg arg) {
    executor_.Post([fn = std::move(fn), arg = std::move(arg)]() mutable {
      fn(std::move(arg));
    });
  }

  void ArmWatch(HandleState* hs, bool children, const std::string& path,
                WatchCallback watch) {
    std::lock_guard<std::mutex> lock(hs->watch_mu);
    if (hs->retired) {
      PostWatchEvent(std::move(watch),
                     {WatchEventType::kSessionLost, path, hs->generation});
      return;
    }
    auto& table = children ? hs->child_watches : hs->data_watches;
    table[path].push_back(std::move(watch));
  }

  // After every data watch of `path` was removed, on the server and in the
  // C client: none of them will fire with an event, so each callback runs
  // now with kRemoved, and each sink that may have had one hears kRemoved
  // for the path.
  void DropDataWatches(HandleState* hs, const std::string& path) {
    std::vector<WatchCallback> removed;
    std::vector<WatchSink*> sinks;
    {
      std::lock_guard<std::mutex> lock(hs->watch_mu);
      auto it = hs->data_watches.find(path);
      if (it != hs->data_watches.end()) {
        removed = std::move(it->second);
        hs->data_watches.erase(it);
      }
      for (const auto& binding : hs->sink_bindings) {
        sinks.push_back(binding->sink);
      }
    }
    for (auto& watch : removed) {
      PostWatchEvent(std::move(watch),
                     {WatchEventType::kRemoved, path, hs->generation});
    }
    for (WatchSink* sink : sinks) {
      PostSinkEvent(hs, sink, {WatchEventType::kRemoved, path, hs->generation});
    }
  }

  void PostWatchEvent(WatchCallback watch, WatchEvent event) {
    executor_.Post(
        [watch = std::move(watch), event = std::move(event)] { watch(event); });
  }

  // The C client's watcher context for `sink` on `hs`'s handle.
  static HandleState::SinkBinding* BindingFor(HandleState* hs,
                                              WatchSink* sink) {
    std::lock_guard<std::mutex> lock(hs->watch_mu);
    for (const auto& binding : hs->sink_bindings) {
      if (binding->sink == sink) return binding.get();
    }
    hs->sink_bindings.push_back(std::make_unique<HandleState::SinkBinding>(
        HandleState::SinkBinding{hs, sink}));
    return hs->sink_bindings.back().get();
  }

  void PostSinkEvent(HandleState* hs, WatchSink* sink, WatchEvent event) {
    {
      std::lock_guard<std::mutex> lock(hs->watch_mu);
      if (hs->retired) return;
    }
    executor_.Post(
        [sink, event = std::move(event)] { sink->OnWatchEvent(event); });
  }

  // --- Events from the completion thread ---------------------------------

  static void Watcher(zhandle_t* zh, int type, int state, const char* path,
                      void* context) {
    auto* hs = static_cast<HandleState*>(context);
    if (type == ZOO_SESSION_EVENT) {
      hs->impl->OnSessionEvent(hs, zh, state);
    } else {
      hs->impl->OnNodeEvent(hs, type, path != nullptr ? path : "");
    }
  }

  static void SinkWatcher(zhandle_t* /*zh*/, int type, int /*state*/,
                          const char* path, void* context) {
    // Session events reach every watcher; the handle's own watcher (above)
    // is the one that tracks the connection.
    if (type == ZOO_SESSION_EVENT) return;
    auto* binding = static_cast<HandleState::SinkBinding*>(context);
    WatchEventType event_type = WatchEventType::kDataChanged;
    if (!NodeEventType(type, &event_type)) return;
    binding->hs->impl->PostSinkEvent(
        binding->hs, binding->sink,
        {event_type, path != nullptr ? path : "", binding->hs->generation});
  }

  // The event a C client node event type stands for; false for
  // ZOO_NOTWATCHING_EVENT and anything unknown (nothing of ours to fire).
  static bool NodeEventType(int type, WatchEventType* event_type) {
    if (type == ZOO_CHANGED_EVENT) {
      *event_type = WatchEventType::kDataChanged;
    } else if (type == ZOO_CREATED_EVENT) {
      *event_type = WatchEventType::kCreated;
    } else if (type == ZOO_DELETED_EVENT) {
      *event_type = WatchEventType::kDeleted;
    } else if (type == ZOO_CHILD_EVENT) {
      *event_type = WatchEventType::kChildrenChanged;
    } else {
      return false;
    }
    return true;
  }

  void OnNodeEvent(HandleState* hs, int type, const std::string& path) {
    WatchEventType event_type = WatchEventType::kDataChanged;
    if (!NodeEventType(type, &event_type)) return;
    std::vector<WatchCallback> fire;
    {
      std::lock_guard<std::mutex> lock(hs->watch_mu);
      if (hs->retired) return;
      const auto take = [&](auto& table) {
        auto it = table.find(path);
        if (it == table.end()) return;
        for (auto& watch : it->second) fire.push_back(std::move(watch));
        table.erase(it);
      };
      // Mirrors which watches the server triggers for each event type.
      if (event_type != WatchEventType::kChildrenChanged) {
        take(hs->data_watches);
      }
      if (event_type == WatchEventType::kChildrenChanged ||
          event_type == WatchEventType::kDeleted) {
        take(hs->child_watches);
      }
    }
    for (auto& watch : fire) {
      PostWatchEvent(std::move(watch), {event_type, path, hs->generation});
    }
  }

  void OnSessionEvent(HandleState* hs, zhandle_t* zh, int zstate) {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (hs->generation != generation_ || stopping_) return;  // Stale handle.
    if (state_ == ConnectionState::kExpired) return;         // Being replaced.
    ConnectionState next = state_;
    SessionLossCause cause = SessionLossCause::kNone;
    if (zstate == ZOO_CONNECTED_STATE || zstate == ZOO_READONLY_STATE) {
      next = ConnectionState::kConnected;
      negotiated_timeout_ = std::chrono::milliseconds(zoo_recv_timeout(zh));
      const clientid_t* id = zoo_client_id(zh);
      session_id_ = id->client_id;
      session_password_.assign(id->passwd, sizeof(id->passwd));
      lost_deadline_.reset();
    } else if (zstate == ZOO_CONNECTING_STATE ||
               zstate == ZOO_ASSOCIATING_STATE ||
               zstate == ZOO_NOTCONNECTED_STATE) {
      if (state_ == ConnectionState::kConnected) {
        next = ConnectionState::kDisconnected;
        // The server may expire the session this long after it last heard
        // from us; we cannot know sooner, so from then on it is lost.
        lost_deadline_ = SteadyClock::now() + negotiated_timeout_;
      }
    } else if (zstate == ZOO_EXPIRED_SESSION_STATE) {
      next = ConnectionState::kExpired;
      cause = SessionLossCause::kServerExpired;
      BeginReplaceLocked(cause);
    } else if (zstate == ZOO_AUTH_FAILED_STATE) {
      next = ConnectionState::kAuthFailed;
      lost_deadline_.reset();
      LOG(WARNING) << "ZooKeeper rejected the credentials; the client stays "
                      "unusable until it is re-opened";
    }
    if (next != state_) {
      state_ = next;
      NotifyLocked({next, generation_, cause});
    }
    state_cv_.notify_all();
  }

  // --- Session loss and handle replacement --------------------------------

  // Marks the session lost; the supervisor opens the next handle.
  void BeginReplaceLocked(SessionLossCause cause) {
    lost_deadline_.reset();
    replace_pending_ = true;
    VLOG(1) << "ZooKeeper session of generation " << generation_ << " lost ("
            << (cause == SessionLossCause::kLocalTimeout
                    ? "local session timer"
                    : "expired by the server")
            << ")";
  }

  void NotifyLocked(const ConnectionEvent& event) {
    // The listeners are looked up when the event is delivered, not when it
    // is queued: a listener removed meanwhile is not called.
    executor_.Post([this, event] {
      std::vector<ConnectionListener> current;
      {
        std::lock_guard<std::mutex> lock(state_mu_);
        current.reserve(listeners_.size());
        for (const auto& entry : listeners_) current.push_back(entry.second);
      }
      for (const auto& listener : current) listener(event);
    });
  }

  // Opens a handle for `hs` (with auth). Returns false when zookeeper_init
  // failed; the caller retries later.
  bool OpenHandle(HandleState* hs) {
    std::call_once(g_log_level_once,
                   [] { zoo_set_debug_level(ZOO_LOG_LEVEL_INFO); });
    zhandle_t* zh =
        zookeeper_init2(options_.connect_string.c_str(), &Impl::Watcher,
                        static_cast<int>(options_.session_timeout.count()),
                        nullptr, hs, 0, &LogToGlog);
    if (zh == nullptr) {
      LOG(WARNING) << "zookeeper_init failed for '" << options_.connect_string
                   << "': " << std::strerror(errno);
      return false;
    }
    // By default the C client resolves every host of the connect string on
    // each pass of its I/O loop: getaddrinfo (and the netlink socket it
    // opens) was the largest item of its CPU in the write benchmarks. DNS
    // changes are still picked up within the delay, and on connection loss.
    zoo_set_servers_resolution_delay(zh, kServersResolutionDelayMs);
    if (options_.credentials.has_value()) {
      const std::string auth = options_.credentials->AuthString();
      const int rc =
          zoo_add_auth(zh, "digest", auth.data(), static_cast<int>(auth.size()),
                       &Impl::OnAuthDone, nullptr);
      if (rc != ZOK) {
        LOG(WARNING) << "zoo_add_auth: " << zerror(rc);
      }
    }
    hs->zh = zh;
    return true;
  }

  static void OnAuthDone(int rc, const void* /*data*/) {
    if (rc != ZOK) LOG(WARNING) << "ZooKeeper digest auth: " << zerror(rc);
  }

  // Closes `hs`'s handle from this (non-completion) thread: pending
  // operations complete with ZCLOSING; then every watch gets kSessionLost.
  void CloseHandle(std::unique_ptr<HandleState> hs) {
    if (hs == nullptr) return;
    if (hs->zh != nullptr) {
      const int rc = zookeeper_close(hs->zh);
      if (rc != ZOK) VLOG(1) << "zookeeper_close: " << zerror(rc);
    }
    std::unordered_set<PendingOp*> dropped;
    {
      std::lock_guard<std::mutex> lock(hs->pending_mu);
      dropped.swap(hs->pending);
    }
    for (PendingOp* op : dropped) {
      op->Fail(this,
               StatusFromZk(ZCLOSING, "closing the handle", OpKind::kWrite));
      delete op;
    }
    std::vector<std::pair<std::string, WatchCallback>> lost;
    {
      std::lock_guard<std::mutex> lock(hs->watch_mu);
      hs->retired = true;
      for (auto* table : {&hs->data_watches, &hs->child_watches}) {
        for (auto& [path, watches] : *table) {
          for (auto& watch : watches) lost.emplace_back(path, std::move(watch));
        }
        table->clear();
      }
    }
    for (auto& [path, watch] : lost) {
      PostWatchEvent(std::move(watch),
                     {WatchEventType::kSessionLost, path, hs->generation});
    }
  }

  // Runs on the supervisor thread.
  void ReplaceHandle() {
    uint64_t next_generation = 0;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      next_generation = ++generation_;
      ++handles_opened_;
      state_ = ConnectionState::kConnecting;
      session_id_ = 0;
      session_password_.clear();
      negotiated_timeout_ = options_.session_timeout;
      NotifyLocked({ConnectionState::kConnecting, next_generation,
                    SessionLossCause::kNone});
    }
    auto fresh = std::make_unique<HandleState>(this, next_generation);
    const bool opened = OpenHandle(fresh.get());
    std::unique_ptr<HandleState> old;
    {
      std::unique_lock<std::shared_mutex> lock(handle_mu_);
      old = std::move(current_);
      current_ = std::move(fresh);
    }
    CloseHandle(std::move(old));
    if (!opened) {
      std::lock_guard<std::mutex> lock(state_mu_);
      reopen_at_ = SteadyClock::now() + kReopenBackoff;
    }
  }

  // Reopens a handle in place after zookeeper_init failed.
  void RetryOpen() {
    std::unique_lock<std::shared_mutex> lock(handle_mu_);
    if (current_ != nullptr && current_->zh == nullptr &&
        !OpenHandle(current_.get())) {
      lock.unlock();
      std::lock_guard<std::mutex> state_lock(state_mu_);
      reopen_at_ = SteadyClock::now() + kReopenBackoff;
    }
  }

  void SupervisorLoop() {
    std::unique_lock<std::mutex> lock(state_mu_);
    while (!stopping_) {
      const auto now = SteadyClock::now();
      if (replace_pending_) {
        replace_pending_ = false;
        lock.unlock();
        ReplaceHandle();
        lock.lock();
        continue;
      }
      if (state_ == ConnectionState::kDisconnected &&
          lost_deadline_.has_value() && now >= *lost_deadline_) {
        state_ = ConnectionState::kExpired;
        NotifyLocked({state_, generation_, SessionLossCause::kLocalTimeout});
        BeginReplaceLocked(SessionLossCause::kLocalTimeout);
        continue;
      }
      if (reopen_at_.has_value() && now >= *reopen_at_) {
        reopen_at_.reset();
        lock.unlock();
        RetryOpen();
        lock.lock();
        continue;
      }
      std::optional<SteadyClock::time_point> wake;
      if (state_ == ConnectionState::kDisconnected) wake = lost_deadline_;
      if (reopen_at_.has_value() && (!wake || *reopen_at_ < *wake)) {
        wake = reopen_at_;
      }
      if (wake.has_value()) {
        state_cv_.wait_until(lock, *wake);
      } else {
        state_cv_.wait(lock);
      }
    }
  }

  static bool TakeFault(std::atomic<int>& counter) {
    int left = counter.load();
    while (left > 0) {
      if (counter.compare_exchange_weak(left, left - 1)) return true;
    }
    return false;
  }

  // A completed write whose reply a test asked to lose.
  int MaybeLoseReply(int rc) {
    return rc == ZOK && TakeFault(faults_.lose_write_replies) ? ZCONNECTIONLOSS
                                                              : rc;
  }

  ClientOptions options_;
  FaultInjection faults_;
  const ::ACL_vector* acl_ = &ZOO_OPEN_ACL_UNSAFE;

  SerialExecutor executor_;

  std::shared_mutex handle_mu_;  // Guards current_ (shared: submitting ops).
  std::unique_ptr<HandleState> current_;

  mutable std::mutex state_mu_;  // Guards the members below.
  mutable std::condition_variable state_cv_;
  ConnectionState state_ = ConnectionState::kConnecting;
  uint64_t generation_ = 1;
  uint64_t handles_opened_ = 1;
  int64_t session_id_ = 0;
  std::string session_password_;
  std::chrono::milliseconds negotiated_timeout_;
  std::optional<SteadyClock::time_point> lost_deadline_;
  std::optional<SteadyClock::time_point> reopen_at_;
  bool replace_pending_ = false;
  bool stopping_ = false;
  std::vector<std::pair<ListenerId, ConnectionListener>> listeners_;
  ListenerId next_listener_id_ = 1;

  std::thread supervisor_;
};

namespace {

// Per-operation contexts: heap-allocated, owned by the C client from a
// successful submit until their completion, which deletes them.
struct OpBase : PendingOp {
  HandleState* hs = nullptr;
  std::string path;
};

struct CreateOp : OpBase {
  Callback<Created> done;
  void Fail(Client::Impl* impl, Status s) override {
    impl->PostCall(done, Result<Created>(s));
  }
};

struct GetOp : OpBase {
  Callback<NodeData> done;
  WatchCallback watch;
  void Fail(Client::Impl* impl, Status s) override {
    impl->PostCall(done, Result<NodeData>(s));
  }
};

struct SetOp : OpBase {
  Callback<Stat> done;
  void Fail(Client::Impl* impl, Status s) override {
    impl->PostCall(done, Result<Stat>(s));
  }
};

struct DeleteOp : OpBase {
  DoneCallback done;
  void Fail(Client::Impl* impl, Status s) override { impl->PostCall(done, s); }
};

struct ExistsOp : OpBase {
  Callback<std::optional<Stat>> done;
  WatchCallback watch;
  void Fail(Client::Impl* impl, Status s) override {
    impl->PostCall(done, Result<std::optional<Stat>>(s));
  }
};

struct ChildrenOp : OpBase {
  Callback<Children> done;
  WatchCallback watch;
  void Fail(Client::Impl* impl, Status s) override {
    impl->PostCall(done, Result<Children>(s));
  }
};

struct RemoveWatchesOp : OpBase {
  DoneCallback done;
  void Fail(Client::Impl* impl, Status s) override { impl->PostCall(done, s); }
};

struct SyncOp : OpBase {
  DoneCallback done;
  void Fail(Client::Impl* impl, Status s) override { impl->PostCall(done, s); }
};

struct MultiOp : OpBase {
  std::vector<Op> ops;
  std::vector<zoo_op_t> zops;
  std::vector<zoo_op_result_t> zresults;
  std::vector<std::string> created_paths;  // Buffers for create results.
  std::vector<::Stat> stats;               // Buffers for set results.
  MultiCallback done;
  void Fail(Client::Impl* impl, Status s) override {
    MultiResult result;
    result.status = std::move(s);
    result.results.resize(ops.size());
    for (auto& r : result.results) r.status = result.status;
    impl->PostCall(done, std::move(result));
  }
};

template <typename OpT>
std::unique_ptr<OpT> TakeOp(const void* data) {
  std::unique_ptr<OpT> op(static_cast<OpT*>(const_cast<void*>(data)));
  std::lock_guard<std::mutex> lock(op->hs->pending_mu);
  op->hs->pending.erase(op.get());
  return op;
}

}  // namespace

// Completion trampolines: they run on the C client's completion thread, copy
// the reply into values, arm watches, and post the user callback.
namespace {

void OnCreateDone(int rc, const char* value, const ::Stat* stat,
                  const void* data) {
  auto op = TakeOp<CreateOp>(data);
  Client::Impl* impl = op->hs->impl;
  rc = impl->MaybeLoseReply(rc);
  if (rc != ZOK) {
    op->Fail(impl, StatusFromZk(rc, "create " + op->path, OpKind::kWrite));
    return;
  }
  Created created{value != nullptr ? value : op->path,
                  stat != nullptr ? FromZkStat(*stat) : Stat{}};
  impl->PostCall(op->done, Result<Created>(std::move(created)));
}

void OnGetDone(int rc, const char* value, int value_len, const ::Stat* stat,
               const void* data) {
  auto op = TakeOp<GetOp>(data);
  Client::Impl* impl = op->hs->impl;
  if (rc != ZOK) {
    op->Fail(impl, StatusFromZk(rc, "get " + op->path, OpKind::kRead));
    return;
  }
  if (op->watch) impl->ArmWatch(op->hs, false, op->path, std::move(op->watch));
  // The asynchronous get hands over the whole value (the synchronous
  // zoo_get is the one that truncates to the caller's buffer).
  NodeData node{std::string(value != nullptr && value_len > 0 ? value : "",
                            value_len > 0 ? value_len : 0),
                FromZkStat(*stat)};
  impl->PostCall(op->done, Result<NodeData>(std::move(node)));
}

void OnSetDone(int rc, const ::Stat* stat, const void* data) {
  auto op = TakeOp<SetOp>(data);
  Client::Impl* impl = op->hs->impl;
  rc = impl->MaybeLoseReply(rc);
  if (rc != ZOK) {
    op->Fail(impl, StatusFromZk(rc, "set " + op->path, OpKind::kWrite));
    return;
  }
  impl->PostCall(op->done, Result<Stat>(FromZkStat(*stat)));
}

void OnDeleteDone(int rc, const void* data) {
  auto op = TakeOp<DeleteOp>(data);
  rc = op->hs->impl->MaybeLoseReply(rc);
  op->Fail(op->hs->impl,
           StatusFromZk(rc, "delete " + op->path, OpKind::kWrite));
}

void OnExistsDone(int rc, const ::Stat* stat, const void* data) {
  auto op = TakeOp<ExistsOp>(data);
  Client::Impl* impl = op->hs->impl;
  if (rc != ZOK && rc != ZNONODE) {
    op->Fail(impl, StatusFromZk(rc, "exists " + op->path, OpKind::kRead));
    return;
  }
  // The server arms an exists watch whether or not the node exists.
  if (op->watch) impl->ArmWatch(op->hs, false, op->path, std::move(op->watch));
  std::optional<Stat> result;
  if (rc == ZOK && stat != nullptr) result = FromZkStat(*stat);
  impl->PostCall(op->done, Result<std::optional<Stat>>(result));
}

void OnChildrenDone(int rc, const String_vector* strings, const ::Stat* stat,
                    const void* data) {
  auto op = TakeOp<ChildrenOp>(data);
  Client::Impl* impl = op->hs->impl;
  if (rc != ZOK) {
    op->Fail(impl, StatusFromZk(rc, "children " + op->path, OpKind::kRead));
    return;
  }
  if (op->watch) impl->ArmWatch(op->hs, true, op->path, std::move(op->watch));
  Children children;
  if (strings != nullptr) {
    children.names.reserve(strings->count);
    for (int i = 0; i < strings->count; ++i) {
      children.names.emplace_back(strings->data[i]);
    }
  }
  if (stat != nullptr) children.stat = FromZkStat(*stat);
  impl->PostCall(op->done, Result<Children>(std::move(children)));
}

void OnRemoveWatchesDone(int rc, const void* data) {
  auto op = TakeOp<RemoveWatchesOp>(data);
  Client::Impl* impl = op->hs->impl;
  if (rc == ZOK) impl->DropDataWatches(op->hs, op->path);
  op->Fail(impl, StatusFromZk(rc, "remove watches " + op->path, OpKind::kRead));
}

void OnSyncDone(int rc, const char* /*value*/, const void* data) {
  auto op = TakeOp<SyncOp>(data);
  op->Fail(op->hs->impl, StatusFromZk(rc, "sync " + op->path, OpKind::kRead));
}

void OnMultiDone(int rc, const void* data) {
  auto op = TakeOp<MultiOp>(data);
  rc = op->hs->impl->MaybeLoseReply(rc);
  MultiResult result;
  result.results.resize(op->ops.size());
  for (size_t i = 0; i < op->ops.size(); ++i) {
    OpResult& r = result.results[i];
    const int op_rc = rc == ZOK ? ZOK : op->zresults[i].err;
    // Inside a multi, ZRUNTIMEINCONSISTENCY marks an operation rolled back
    // because another one failed.
    r.status = op_rc == ZRUNTIMEINCONSISTENCY
                   ? Status::Aborted("multi op on " + op->ops[i].path +
                                     ": rolled back with the transaction")
                   : StatusFromZk(op_rc, "multi op on " + op->ops[i].path,
                                  OpKind::kWrite);
    if (op_rc == ZOK && op->ops[i].type == Op::Type::kCreate) {
      r.path = op->created_paths[i].c_str();  // Stops at the terminator.
    }
    if (op_rc == ZOK && op->ops[i].type == Op::Type::kSet) {
      r.stat = FromZkStat(op->stats[i]);
    }
  }
  if (rc != ZOK) {
    // The first operation that failed for its own reason; the others
    // report ZRUNTIMEINCONSISTENCY (rolled back). Connection errors leave
    // no per-op results: then every op carries the overall error.
    result.failed_index = 0;
    bool found = false;
    for (size_t i = 0; i < op->ops.size(); ++i) {
      const int err = op->zresults[i].err;
      if (err != ZOK && err != ZRUNTIMEINCONSISTENCY) {
        result.failed_index = i;
        found = true;
        break;
      }
    }
    result.status = StatusFromZk(rc, "multi", OpKind::kWrite);
    if (found) {
      result.status = result.results[result.failed_index].status;
    } else {
      for (auto& r : result.results) r.status = result.status;
    }
  }
  op->hs->impl->PostCall(op->done, std::move(result));
}

}  // namespace

// --- Client ----------------------------------------------------------------

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Client>> Client::Open(ClientOptions options) {
  if (options.connect_string.empty()) {
    return Status::InvalidArgument("empty ZooKeeper connect string");
  }
  if (options.session_timeout.count() <= 0) {
    return Status::InvalidArgument("session timeout must be positive");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  if (impl->options_.credentials.has_value()) {
    impl->acl_ = &ZOO_CREATOR_ALL_ACL;
  }
  auto first = std::make_unique<HandleState>(impl.get(), 1);
  if (!impl->OpenHandle(first.get())) {
    return Status::InvalidArgument("cannot open a ZooKeeper handle for '" +
                                   impl->options_.connect_string + "'");
  }
  impl->current_ = std::move(first);
  Impl* raw = impl.get();
  impl->supervisor_ = std::thread([raw] {
    pthread_setname_np(
        pthread_self(),
        (raw->options_.thread_name + "-sup").substr(0, 15).c_str());
    raw->SupervisorLoop();
  });
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::~Client() {
  CHECK(!impl_->executor_.IsCurrentThread())
      << "zk::Client destroyed from its own callback thread";
  {
    std::lock_guard<std::mutex> lock(impl_->state_mu_);
    impl_->stopping_ = true;
  }
  impl_->state_cv_.notify_all();
  impl_->supervisor_.join();
  std::unique_ptr<HandleState> last;
  {
    std::unique_lock<std::shared_mutex> lock(impl_->handle_mu_);
    last = std::move(impl_->current_);
  }
  impl_->CloseHandle(std::move(last));
  {
    std::lock_guard<std::mutex> lock(impl_->state_mu_);
    impl_->state_ = ConnectionState::kClosed;
    impl_->NotifyLocked({ConnectionState::kClosed, impl_->generation_,
                         SessionLossCause::kNone});
  }
  impl_->executor_.Drain();
}

void Client::Create(std::string path, std::string_view data, CreateMode mode,
                    Callback<Created> done) {
  auto op = std::make_unique<CreateOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  if (data.size() > impl_->options_.max_data_bytes) {
    return op->Fail(impl_.get(), Status::ResourceExhausted(
                                     "create " + op->path + ": data of " +
                                     std::to_string(data.size()) +
                                     " bytes is over the limit"));
  }
  const ::ACL_vector* acl = impl_->acl_;
  const int zmode = ToZkMode(mode);
  impl_->Submit(std::move(op), "create", OpKind::kWrite,
                [&](zhandle_t* zh, CreateOp* raw) {
                  return zoo_acreate2(zh, raw->path.c_str(), data.data(),
                                      static_cast<int>(data.size()), acl, zmode,
                                      &OnCreateDone, raw);
                });
}

void Client::Get(std::string path, Callback<NodeData> done,
                 WatchCallback watch) {
  auto op = std::make_unique<GetOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  op->watch = std::move(watch);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  const int want_watch = op->watch ? 1 : 0;
  impl_->Submit(
      std::move(op), "get", OpKind::kRead, [&](zhandle_t* zh, GetOp* raw) {
        return zoo_aget(zh, raw->path.c_str(), want_watch, &OnGetDone, raw);
      });
}

void Client::GetAndWatch(std::string path, WatchSink* sink,
                         Callback<NodeData> done) {
  auto op = std::make_unique<GetOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  impl_->Submit(
      std::move(op), "get", OpKind::kRead, [sink](zhandle_t* zh, GetOp* raw) {
        return zoo_awget(zh, raw->path.c_str(), &Impl::SinkWatcher,
                         Impl::BindingFor(raw->hs, sink), &OnGetDone, raw);
      });
}

void Client::Set(std::string path, std::string_view data,
                 int32_t expected_version, Callback<Stat> done) {
  auto op = std::make_unique<SetOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  if (data.size() > impl_->options_.max_data_bytes) {
    return op->Fail(impl_.get(),
                    Status::ResourceExhausted("set " + op->path + ": data of " +
                                              std::to_string(data.size()) +
                                              " bytes is over the limit"));
  }
  impl_->Submit(std::move(op), "set", OpKind::kWrite,
                [&](zhandle_t* zh, SetOp* raw) {
                  return zoo_aset(zh, raw->path.c_str(), data.data(),
                                  static_cast<int>(data.size()),
                                  expected_version, &OnSetDone, raw);
                });
}

void Client::Delete(std::string path, int32_t expected_version,
                    DoneCallback done) {
  auto op = std::make_unique<DeleteOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  impl_->Submit(std::move(op), "delete", OpKind::kWrite,
                [&](zhandle_t* zh, DeleteOp* raw) {
                  return zoo_adelete(zh, raw->path.c_str(), expected_version,
                                     &OnDeleteDone, raw);
                });
}

void Client::Exists(std::string path, Callback<std::optional<Stat>> done,
                    WatchCallback watch) {
  auto op = std::make_unique<ExistsOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  op->watch = std::move(watch);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  const int want_watch = op->watch ? 1 : 0;
  impl_->Submit(std::move(op), "exists", OpKind::kRead,
                [&](zhandle_t* zh, ExistsOp* raw) {
                  return zoo_aexists(zh, raw->path.c_str(), want_watch,
                                     &OnExistsDone, raw);
                });
}

void Client::GetChildren(std::string path, Callback<Children> done,
                         WatchCallback watch) {
  auto op = std::make_unique<ChildrenOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  op->watch = std::move(watch);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  const int want_watch = op->watch ? 1 : 0;
  impl_->Submit(std::move(op), "children", OpKind::kRead,
                [&](zhandle_t* zh, ChildrenOp* raw) {
                  return zoo_aget_children2(zh, raw->path.c_str(), want_watch,
                                            &OnChildrenDone, raw);
                });
}

void Client::Multi(std::vector<Op> ops, MultiCallback done) {
  auto op = std::make_unique<MultiOp>();
  op->path = "(multi)";
  op->ops = std::move(ops);
  op->done = std::move(done);
  size_t total_bytes = 0;
  for (const Op& o : op->ops) {
    if (Status s = ValidatePath(o.path); !s.ok()) {
      return op->Fail(impl_.get(), s.WithContext("multi op on " + o.path));
    }
    total_bytes += o.data.size() + o.path.size();
  }
  if (op->ops.empty()) {
    return op->Fail(impl_.get(), Status::InvalidArgument("empty multi"));
  }
  if (total_bytes > impl_->options_.max_data_bytes) {
    return op->Fail(impl_.get(), Status::ResourceExhausted(
                                     "multi of " + std::to_string(total_bytes) +
                                     " bytes is over the limit"));
  }
  const size_t n = op->ops.size();
  op->zops.resize(n);
  op->zresults.resize(n);
  op->created_paths.resize(n);
  op->stats.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Op& o = op->ops[i];
    zoo_op_t* z = &op->zops[i];
    switch (o.type) {
      case Op::Type::kCreate:
        op->created_paths[i].assign(kCreatedPathBuffer, '\0');
        zoo_create_op_init(z, o.path.c_str(), o.data.data(),
                           static_cast<int>(o.data.size()), impl_->acl_,
                           ToZkMode(o.mode), op->created_paths[i].data(),
                           static_cast<int>(kCreatedPathBuffer));
        break;
      case Op::Type::kDelete:
        zoo_delete_op_init(z, o.path.c_str(), o.version);
        break;
      case Op::Type::kSet:
        zoo_set_op_init(z, o.path.c_str(), o.data.data(),
                        static_cast<int>(o.data.size()), o.version,
                        &op->stats[i]);
        break;
      case Op::Type::kCheck:
        zoo_check_op_init(z, o.path.c_str(), o.version);
        break;
    }
  }
  impl_->Submit(std::move(op), "multi", OpKind::kWrite,
                [](zhandle_t* zh, MultiOp* raw) {
                  return zoo_amulti(zh, static_cast<int>(raw->zops.size()),
                                    raw->zops.data(), raw->zresults.data(),
                                    &OnMultiDone, raw);
                });
}

void Client::RemoveDataWatches(std::string path, DoneCallback done) {
  auto op = std::make_unique<RemoveWatchesOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  impl_->Submit(
      std::move(op), "remove watches", OpKind::kRead,
      [](zhandle_t* zh, RemoveWatchesOp* raw) {
        // All of the path's data watches: removing one watcher
        // (zoo_aremove_watches) only checks the server's watch and drops
        // the local registration, so the server kept the watch until it
        // fired (seen with "wchc"). The C API takes the completion through
        // a pointer type by mistake; it is stored and called as a plain
        // void_completion_t. local=0: with local=1 the 3.8 client never
        // calls the completion.
        return zoo_aremove_all_watches(
            zh, raw->path.c_str(), ZWATCHTYPE_DATA, 0,
            reinterpret_cast<void_completion_t*>(&OnRemoveWatchesDone), raw);
      });
}

void Client::Sync(std::string path, DoneCallback done) {
  auto op = std::make_unique<SyncOp>();
  op->path = std::move(path);
  op->done = std::move(done);
  if (Status s = ValidatePath(op->path); !s.ok()) {
    return op->Fail(impl_.get(), s);
  }
  impl_->Submit(std::move(op), "sync", OpKind::kRead,
                [](zhandle_t* zh, SyncOp* raw) {
                  return zoo_async(zh, raw->path.c_str(), &OnSyncDone, raw);
                });
}

// --- Synchronous wrappers ----------------------------------------------------

namespace {

const Status& DeadlockStatus() {
  static const Status* const kStatus = new Status(Status::FailedPrecondition(
      "synchronous ZooKeeper call from the client's callback thread would "
      "deadlock; use the asynchronous form"));
  return *kStatus;
}

// Runs `start(callback)` and waits for the callback's value.
template <typename T, typename StartFn>
T Await(StartFn start) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  return future.get();
}

}  // namespace

Result<Created> Client::CreateSync(std::string path, std::string data,
                                   CreateMode mode) {
  if (OnCallbackThread()) return DeadlockStatus();
  return Await<Result<Created>>([&](Callback<Created> cb) {
    Create(std::move(path), std::move(data), mode, std::move(cb));
  });
}

Result<NodeData> Client::GetSync(std::string path, WatchCallback watch) {
  if (OnCallbackThread()) return DeadlockStatus();
  return Await<Result<NodeData>>([&](Callback<NodeData> cb) {
    Get(std::move(path), std::move(cb), std::move(watch));
  });
}

Result<Stat> Client::SetSync(std::string path, std::string data,
                             int32_t expected_version) {
  if (OnCallbackThread()) return DeadlockStatus();
  return Await<Result<Stat>>([&](Callback<Stat> cb) {
    Set(std::move(path), std::move(data), expected_version, std::move(cb));
  });
}

Status Client::DeleteSync(std::string path, int32_t expected_version) {
  if (OnCallbackThread()) return DeadlockStatus();
  return Await<Status>([&](DoneCallback cb) {
    Delete(std::move(path), expected_version, std::move(cb));
  });
}

Result<std::optional<Stat>> Client::ExistsSync(std::string path,
                                               WatchCallback watch) {
  if (OnCallbackThread()) return DeadlockStatus();
  return Await<Result<std::optional<Stat>>>(
      [&](Callback<std::optional<Stat>> cb) {
        Exists(std::move(path), std::move(cb), std::move(watch));
      });
}

Result<Children> Client::GetChildrenSync(std::string path,
                                         WatchCallback watch) {
  if (OnCallbackThread()) return DeadlockStatus();
  return Await<Result<Children>>([&](Callback<Children> cb) {
    GetChildren(std::move(path), std::move(cb), std::move(watch));
  });
}

MultiResult Client::MultiSync(std::vector<Op> ops) {
  if (OnCallbackThread()) {
    MultiResult result;
    result.status = DeadlockStatus();
    return result;
  }
  return Await<MultiResult>(
      [&](MultiCallback cb) { Multi(std::move(ops), std::move(cb)); });
}

Status Client::SyncSync(std::string path) {
  if (OnCallbackThread()) return DeadlockStatus();
  return Await<Status>(
      [&](DoneCallback cb) { Sync(std::move(path), std::move(cb)); });
}

Status Client::EnsurePathSync(const std::string& path) {
  SK_RETURN_IF_ERROR(ValidatePath(path));
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    const std::string prefix = path.substr(0, end);
    Result<Created> created = CreateSync(prefix, "");
    if (!created.ok() && !created.status().IsAlreadyExists()) {
      return created.status();
    }
    pos = end + 1;
  }
  return Status::Ok();
}

// --- Connection --------------------------------------------------------------

ConnectionState Client::state() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu_);
  return impl_->state_;
}

uint64_t Client::generation() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu_);
  return impl_->generation_;
}

int64_t Client::session_id() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu_);
  return impl_->session_id_;
}

std::chrono::milliseconds Client::negotiated_session_timeout() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu_);
  return impl_->negotiated_timeout_;
}

std::string Client::current_server() const {
  std::shared_lock<std::shared_mutex> lock(impl_->handle_mu_);
  if (impl_->current_ == nullptr || impl_->current_->zh == nullptr) return "";
  if (zoo_state(impl_->current_->zh) != ZOO_CONNECTED_STATE) return "";
  const char* server = zoo_get_current_server(impl_->current_->zh);
  // Points into the C client's own formatting buffer: copy, never free.
  return server != nullptr ? server : "";
}

size_t Client::armed_data_watch_count() const {
  std::shared_lock<std::shared_mutex> lock(impl_->handle_mu_);
  if (impl_->current_ == nullptr) return 0;
  std::lock_guard<std::mutex> watch_lock(impl_->current_->watch_mu);
  size_t n = 0;
  for (const auto& [path, watches] : impl_->current_->data_watches) {
    n += watches.size();
  }
  return n;
}

uint64_t Client::handles_opened() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu_);
  return impl_->handles_opened_;
}

Status Client::WaitConnected(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->state_mu_);
  const bool settled = impl_->state_cv_.wait_for(lock, timeout, [&] {
    return impl_->state_ == ConnectionState::kConnected ||
           impl_->state_ == ConnectionState::kAuthFailed;
  });
  if (impl_->state_ == ConnectionState::kAuthFailed) {
    return Status::PermissionDenied("ZooKeeper rejected the credentials");
  }
  if (!settled) {
    return Status::Unavailable("not connected to ZooKeeper at '" +
                               impl_->options_.connect_string + "' after " +
                               std::to_string(timeout.count()) + " ms");
  }
  return Status::Ok();
}

Client::ListenerId Client::AddConnectionListener(ConnectionListener listener) {
  std::lock_guard<std::mutex> lock(impl_->state_mu_);
  const ListenerId id = impl_->next_listener_id_++;
  impl_->listeners_.emplace_back(id, std::move(listener));
  return id;
}

void Client::RemoveConnectionListener(ListenerId id) {
  {
    std::lock_guard<std::mutex> lock(impl_->state_mu_);
    std::erase_if(impl_->listeners_,
                  [id](const auto& entry) { return entry.first == id; });
  }
  if (impl_->executor_.IsCurrentThread()) return;
  // A delivery may be running right now on the callback thread: wait for
  // it, so the caller can free what the listener uses once this returns.
  std::promise<void> passed;
  std::future<void> barrier = passed.get_future();
  impl_->executor_.Post([&passed] { passed.set_value(); });
  barrier.wait();
}

std::optional<Client::SessionCredentials> Client::session_credentials() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu_);
  if (impl_->session_id_ == 0) return std::nullopt;
  return SessionCredentials{impl_->session_id_, impl_->session_password_};
}

bool Client::OnCallbackThread() const {
  return impl_->executor_.IsCurrentThread();
}

Client::FaultInjection& Client::faults_for_testing() { return impl_->faults_; }

}  // namespace sessionkeeper::zk
