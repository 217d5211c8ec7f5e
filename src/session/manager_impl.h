// SessionManager::Impl: state shared by the manager's operations. The
// operations themselves are asynchronous state machines in write_ops.cc
// (writes: conflict replay, ambiguity resolution) and manager_impl.cc
// (reads, principal queries, write-behind).
#ifndef SESSIONKEEPER_SESSION_MANAGER_IMPL_H_
#define SESSIONKEEPER_SESSION_MANAGER_IMPL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cache/session_cache.h"
#include "common/timer_thread.h"
#include "lease/lease_manager.h"
#include "lifecycle/event_bus.h"
#include "lifecycle/expiry_scheduler.h"
#include "lifecycle/membership.h"
#include "session/mutation_batcher.h"
#include "session/pending_changes.h"
#include "sessionkeeper/session_manager.h"
#include "store/session_store.h"
#include "zk/client.h"

namespace sessionkeeper {

class SessionManager::Impl {
 public:
  static Result<std::unique_ptr<Impl>> Open(SessionManagerOptions options);
  // Flushes write-behind changes, stops retries (their callbacks get
  // Unavailable), then closes ZooKeeper.
  ~Impl();

  // --- Operations (asynchronous; callbacks on the callback thread) -------
  void Create(CreateRequest request, Callback<Session> done);
  void Get(std::string id, ReadConsistency consistency, Callback<Session> done);
  void Mutate(std::string id, Mutation mutation, Callback<Session> done);
  void Touch(std::string id, DoneCallback done);
  void Invalidate(std::string id, std::optional<int64_t> lease_token,
                  DoneCallback done);
  void RotateId(std::string id, std::optional<int64_t> lease_token,
                Callback<Session> done);
  void FindByPrincipal(std::string principal,
                       Callback<std::vector<std::string>> done);
  void InvalidateAllForPrincipal(std::string principal, Callback<size_t> done);
  void Flush(DoneCallback done);

  // Runs `start(callback)` and blocks until the callback ran. Refuses to run
  // on the callback thread, where it would wait for itself.
  template <typename T, typename StartFn>
  Result<T> Wait(StartFn start) {
    if (client_->OnCallbackThread()) return CallbackThreadError();
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    start([promise](Result<T> r) { promise->set_value(std::move(r)); });
    return future.get();
  }
  Status WaitDone(const std::function<void(DoneCallback)>& start);

  const std::string& node_id() const { return node_id_; }
  ManagerStats Stats() const;

  // --- Building blocks ----------------------------------------------------

  // Changes the freshly read record for one write attempt; non-OK stops the
  // write with that status. Called again after each lost version race, on
  // the newer record, so it must only apply the caller's own changes.
  using RecordChange =
      std::function<Status(store::SessionRecord& record, int64_t now_ms)>;

  // Read, change, versioned write; replays on conflict, resolves lost
  // replies by nonce. `done` gets the record as written and its new Stat.
  // `fence`: see SessionStore (Fenced when a fence check fails).
  void ReadModifyWrite(std::string id, RecordChange change,
                       std::optional<int32_t> expected_version,
                       std::vector<zk::Op> fence,
                       zk::Callback<store::StoredSession> done);
  // The fence of a write carrying `lease_token` (empty without one), or
  // the error that ends the write.
  Result<std::vector<zk::Op>> FenceFor(const std::string& id,
                                       std::optional<int64_t> lease_token);

  int64_t NowMs() const { return clock_->NowMillis(); }
  uint64_t NewNonce();
  // Jittered exponential backoff for the given attempt (1, 2, ...).
  std::chrono::milliseconds Backoff(int attempt);
  // Runs `task` after `delay` on the timer thread; once the manager is
  // closing, runs `on_closing` instead (at once, or when the timer stops).
  void After(std::chrono::milliseconds delay, std::function<void()> task,
             std::function<void()> on_closing);
  static Status ClosingError();
  static Status CallbackThreadError();

  // Validates a mutation's names, values and counts against the limits.
  Status ValidateMutation(const Mutation& mutation) const;
  // The pending write-behind change of a Mutate call.
  static session::PendingChange ToPendingChange(const Mutation& mutation,
                                                int64_t now_ms);

  SessionManagerOptions options_;
  const Clock* clock_ = nullptr;
  std::string node_id_;
  std::unique_ptr<zk::Client> client_;
  std::unique_ptr<store::SessionStore> store_;
  std::unique_ptr<TimerThread> timer_;
  session::PendingChanges pending_;
  std::unique_ptr<session::MutationBatcher> batcher_;
  std::unique_ptr<cache::SessionCache> cache_;  // Null when disabled.
  // The target of every cache watch: an event drops the entry of the
  // session its path names. No state per watch on our side (the C client
  // keeps the path): a table entry per watch was about 250 bytes of each
  // cached session.
  class CacheWatches : public zk::WatchSink {
   public:
    explicit CacheWatches(Impl* impl) : impl_(impl) {}
    void OnWatchEvent(const zk::WatchEvent& event) override;

   private:
    Impl* impl_;
  };
  CacheWatches cache_watches_{this};
  // Declared before the client so it is destroyed after every callback that
  // may publish has run.
  std::unique_ptr<lifecycle::EventBus> events_;
  std::unique_ptr<lifecycle::Membership> membership_;
  std::unique_ptr<lifecycle::ExpiryScheduler> expiry_;
  std::unique_ptr<lease::LeaseManager> leases_;
  // Cached copies may be served only while connected and not expired.
  std::atomic<bool> cache_usable_{false};
  // Bumped when the cache is cleared, so fills started before cannot insert.
  std::atomic<uint64_t> cache_generation_{0};
  bool disconnected_since_connect_ = false;  // Callback thread only.
  uint64_t lifecycle_generation_ = 0;        // Callback thread only.

  // A cached read answered without leaving the calling thread, or nullopt
  // when it needs ZooKeeper (then use Get).
  std::optional<Result<Session>> TryCachedGet(const std::string& id,
                                              ReadConsistency consistency);
  // The same, sharing the cached snapshot instead of copying it.
  std::optional<Result<std::shared_ptr<const SessionSnapshot>>>
  TryCachedGetShared(const std::string& id, ReadConsistency consistency);
  // The cached copy to start a write from, watched or not (its version is
  // the write's expected version: a stale copy loses the version race and
  // the write re-reads from ZooKeeper), or nullopt.
  std::optional<store::StoredSession> CachedForWrite(const std::string& id);
  // After a write of ours: the cache holds the acknowledged version (read-
  // your-writes), unserved until its watch is re-armed.
  void AfterWrite(const std::string& id, const store::StoredSession& written);
  // The session is gone (invalidated, rotated away): drop every local copy.
  void ForgetSession(const std::string& id);
  void OnConnectionEvent(const zk::ConnectionEvent& event);
  std::atomic<bool> closing_{false};

 private:
  // Writes the access time back when the stored one is older than
  // touch_fraction of max idle.
  void MaybeTouchAfterRead(const std::string& id, int64_t last_access_at_ms,
                           int64_t max_idle_ms);
  void ScheduleWriteBehindFlush();
  // Write-behind overlay, expiry check, touch; then `done`.
  void FinishRead(Session session, bool allow_touch, Callback<Session> done);
  // A read from the connected server; `barrier` first for linearizable.
  void ServerRead(std::string id, bool barrier, Callback<Session> done);
  // Loads a session into the cache with a watched read (single flight).
  void Fill(const std::string& id, Callback<Session> done);
  void Revalidate(const std::string& id, cache::SessionCache::Lookup lookup,
                  Callback<Session> done);
  void OnSessionWatch(const std::string& id, const zk::WatchEvent& event);
  void RemoveWatches(const std::vector<std::string>& evicted);

  std::mutex touch_mu_;  // Guards touching_.
  std::unordered_set<std::string> touching_;

  std::mutex fills_mu_;  // Guards fills_.
  std::unordered_map<std::string, std::vector<Callback<Session>>> fills_;
  // Writes a batch of merged Mutate/Touch calls as one versioned write.
  void WriteBatch(const std::string& id,
                  std::vector<session::MutationBatcher::Item> batch,
                  std::function<void()> finished);
  // One Mutate call as its own write (conditional ones, or a batch that
  // failed only because of its combined size).
  void WriteAlone(std::string id, Mutation mutation, Callback<Session> done);
  void PublishChanged(const store::SessionRecord& record);

  std::mutex rng_mu_;  // Guards rng_.
  std::mt19937_64 rng_;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_SESSION_MANAGER_IMPL_H_
