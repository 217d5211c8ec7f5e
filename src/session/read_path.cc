// The read paths of SessionManager and the cache's bookkeeping:
// - kCached: the in-memory copy while its watch is armed and the connection
//   is up (no network, no global lock); a miss fills the cache with a
//   watched read; after a reconnect an entry is revalidated by czxid/mzxid
//   before it is served again; while disconnected, Unavailable (or a copy
//   marked stale, when the caller opted in);
// - kSequential: a read from the connected server;
// - kLinearizable: a quorum barrier on the session's znode, then a read.
#include <glog/logging.h>

#include <algorithm>
#include <utility>

#include "session/manager_impl.h"
#include "session/record_view.h"
#include "session/session_id.h"

namespace sessionkeeper {

using store::StoredSession;

namespace {

cache::CachedSession ToCached(const StoredSession& stored) {
  return {session::ToSnapshot(stored.record, stored.stat.version),
          stored.stat.czxid, stored.stat.mzxid, stored.record.format_version};
}

Status DisconnectedError() {
  return Status::Unavailable(
      "not connected to ZooKeeper: a cached copy cannot be vouched for "
      "(read with kCachedOrStale to accept a stale copy)");
}

}  // namespace

// --- Entry points
// -------------------------------------------------------------

std::optional<Result<std::shared_ptr<const SessionSnapshot>>>
SessionManager::Impl::TryCachedGetShared(const std::string& id,
                                         ReadConsistency consistency) {
  using SharedResult = Result<std::shared_ptr<const SessionSnapshot>>;
  if (cache_ == nullptr) return std::nullopt;
  if (Status s = session::ValidateSessionId(id); !s.ok()) {
    return SharedResult(s);
  }
  if (!cache_usable_.load(std::memory_order_acquire)) {
    if (consistency != ReadConsistency::kCachedOrStale) {
      return SharedResult(DisconnectedError());
    }
    cache::SessionCache::Lookup lookup = cache_->Find(id);
    if (lookup.state == cache::SessionCache::State::kMiss) {
      return SharedResult(DisconnectedError());
    }
    cache_->CountStaleRead();
    if (lookup.entry->snapshot.ExpiredAt(NowMs())) {
      return SharedResult(Status::NotFound(
          "session " + session::RedactSessionId(id) + " has expired"));
    }
    return SharedResult(std::make_shared<const SessionSnapshot>(
        lookup.entry->snapshot.MarkedStale()));
  }
  // Write-behind overlays pending changes: that takes the slower path.
  if (options_.write_mode == WriteMode::kWriteBehind) return std::nullopt;
  cache::SessionCache::Lookup lookup = cache_->Find(id);
  if (lookup.state != cache::SessionCache::State::kHit) return std::nullopt;
  cache_->CountHit();
  const SessionSnapshot& cached = lookup.entry->snapshot;
  if (cached.ExpiredAt(NowMs())) {
    return SharedResult(Status::NotFound(
        "session " + session::RedactSessionId(id) + " has expired"));
  }
  MaybeTouchAfterRead(id, cached.last_access_at_ms(), cached.max_idle_ms());
  // Shares ownership of the cache entry: no copy.
  return SharedResult(std::shared_ptr<const SessionSnapshot>(
      lookup.entry, &lookup.entry->snapshot));
}

std::optional<StoredSession> SessionManager::Impl::CachedForWrite(
    const std::string& id) {
  if (cache_ == nullptr || !cache_usable_.load(std::memory_order_acquire)) {
    return std::nullopt;
  }
  std::shared_ptr<const cache::CachedSession> entry = cache_->FindForWrite(id);
  if (entry == nullptr ||
      entry->format_version != store::kSessionFormatVersion) {
    return std::nullopt;
  }
  const cache::CachedSession& cached = *entry;
  StoredSession stored;
  stored.record = session::ToRecord(cached.snapshot, cached.format_version);
  stored.stat.version = cached.snapshot.version();
  stored.stat.czxid = cached.czxid;
  stored.stat.mzxid = cached.mzxid;
  return stored;
}

std::optional<Result<Session>> SessionManager::Impl::TryCachedGet(
    const std::string& id, ReadConsistency consistency) {
  auto shared = TryCachedGetShared(id, consistency);
  if (!shared.has_value()) return std::nullopt;
  if (!shared->ok()) return Result<Session>(shared->status());
  return Result<Session>(shared->value()->ToSession());
}

void SessionManager::Impl::Get(std::string id, ReadConsistency consistency,
                               Callback<Session> done) {
  if (Status s = session::ValidateSessionId(id); !s.ok()) return done(s);
  switch (consistency) {
    case ReadConsistency::kSequential:
      return ServerRead(std::move(id), false, std::move(done));
    case ReadConsistency::kLinearizable:
      return ServerRead(std::move(id), true, std::move(done));
    case ReadConsistency::kCached:
    case ReadConsistency::kCachedOrStale:
      break;
  }
  if (cache_ == nullptr)
    return ServerRead(std::move(id), false, std::move(done));
  if (!cache_usable_.load(std::memory_order_acquire)) {
    return done(*TryCachedGet(id, consistency));
  }
  cache::SessionCache::Lookup lookup = cache_->Find(id);
  switch (lookup.state) {
    case cache::SessionCache::State::kHit:
      cache_->CountHit();
      return FinishRead(lookup.entry->snapshot.ToSession(), true,
                        std::move(done));
    case cache::SessionCache::State::kNeedsRevalidation:
      return Revalidate(id, std::move(lookup), std::move(done));
    case cache::SessionCache::State::kMiss:
      cache_->CountMiss();
      return Fill(id, std::move(done));
  }
}

void SessionManager::Impl::FinishRead(Session session, bool allow_touch,
                                      Callback<Session> done) {
  if (options_.write_mode == WriteMode::kWriteBehind) {
    if (auto pending = pending_.Find(session.id)) pending->ApplyTo(session);
  }
  if (session.ExpiredAt(NowMs())) {
    return done(Status::NotFound(
        "session " + session::RedactSessionId(session.id) + " has expired"));
  }
  if (allow_touch) {
    MaybeTouchAfterRead(session.id, session.last_access_at_ms,
                        session.max_idle_ms);
  }
  done(std::move(session));
}

void SessionManager::Impl::ServerRead(std::string id, bool barrier,
                                      Callback<Session> done) {
  auto read = [this, id, done](Status barrier_status) mutable {
    if (!barrier_status.ok()) return done(barrier_status);
    store_->Read(id, [this, done = std::move(done)](
                         Result<StoredSession> stored) mutable {
      if (!stored.ok()) return done(stored.status());
      FinishRead(session::ToSession(stored->record, stored->stat.version), true,
                 std::move(done));
    });
  };
  if (barrier) {
    // The barrier is a write ordered by the leader after every write
    // acknowledged before it; this session's next read on the same server
    // is ordered after the barrier.
    store_->QuorumBarrier(id, std::move(read));
    return;
  }
  read(Status::Ok());
}

// --- Cache fills and revalidation
// ---------------------------------------------

void SessionManager::Impl::Fill(const std::string& id, Callback<Session> done) {
  {
    std::lock_guard<std::mutex> lock(fills_mu_);
    auto& waiters = fills_[id];
    waiters.push_back(std::move(done));
    if (waiters.size() > 1) return;  // A fill is already on its way.
  }
  const uint64_t generation = cache_generation_.load();
  store_->ReadAndWatch(
      id, &cache_watches_,
      [this, id, generation](Result<StoredSession> stored) {
        if (stored.ok() && generation == cache_generation_.load()) {
          std::vector<std::string> evicted;
          cache_->Insert(id, ToCached(*stored), /*watched=*/true, &evicted);
          RemoveWatches(evicted);
        }
        std::vector<Callback<Session>> waiters;
        {
          std::lock_guard<std::mutex> lock(fills_mu_);
          auto it = fills_.find(id);
          waiters = std::move(it->second);
          fills_.erase(it);
        }
        for (auto& waiter : waiters) {
          if (!stored.ok()) {
            waiter(stored.status());
          } else {
            FinishRead(session::ToSession(stored->record, stored->stat.version),
                       true, std::move(waiter));
          }
        }
      });
}

void SessionManager::Impl::Revalidate(const std::string& id,
                                      cache::SessionCache::Lookup lookup,
                                      Callback<Session> done) {
  // The watch survived the reconnect, but the cache cannot vouch for what
  // happened while it was away: a stat check catches a delete+recreate
  // (czxid) or a missed change (mzxid) before the copy is served again.
  cache_->CountRevalidation();
  store_->Stat(
      id, [this, id, lookup = std::move(lookup), done = std::move(done)](
              Result<std::optional<zk::Stat>> stat) mutable {
        if (!stat.ok()) return done(stat.status());
        if (stat->has_value() && (*stat)->czxid == lookup.entry->czxid &&
            (*stat)->mzxid == lookup.entry->mzxid) {
          cache_->MarkRevalidated(id, lookup.token);
          return FinishRead(lookup.entry->snapshot.ToSession(), true,
                            std::move(done));
        }
        cache_->Invalidate(id);
        cache_->CountMiss();
        Fill(id, std::move(done));
      });
}

void SessionManager::Impl::OnSessionWatch(const std::string& id,
                                          const zk::WatchEvent& /*event*/) {
  // Any event ends what the watch vouched for: a change, a delete, a lost
  // session, or a removal (after an eviction, possibly racing a refill).
  cache_->Invalidate(id);
}

void SessionManager::Impl::CacheWatches::OnWatchEvent(
    const zk::WatchEvent& event) {
  impl_->OnSessionWatch(
      std::string(store::SessionStore::IdOfSessionPath(event.path)), event);
}

void SessionManager::Impl::RemoveWatches(
    const std::vector<std::string>& evicted) {
  for (const std::string& id : evicted) store_->Unwatch(id);
}

void SessionManager::Impl::AfterWrite(const std::string& id,
                                      const StoredSession& written) {
  if (cache_ == nullptr) return;
  // The watch of the old copy fired on our own write (before its reply), so
  // the new copy is unwatched: never served, but the next write starts from
  // it (CachedForWrite). The next cached read re-arms a watch with the fill
  // it does for any unwatched copy; re-arming here would cost every write a
  // second ZooKeeper request, read or not.
  std::vector<std::string> evicted;
  cache_->Insert(id, ToCached(written), /*watched=*/false, &evicted);
  RemoveWatches(evicted);
}

void SessionManager::Impl::ForgetSession(const std::string& id) {
  pending_.Drop(id);
  if (cache_ != nullptr) cache_->Invalidate(id);
  // Deleted by us: its lease parent may go too (ids are never reused).
  if (leases_ != nullptr) leases_->DropParent(id);
}

void SessionManager::Impl::OnConnectionEvent(const zk::ConnectionEvent& event) {
  if (cache_ == nullptr) return;
  switch (event.state) {
    case zk::ConnectionState::kConnected:
      if (disconnected_since_connect_) cache_->BeginRevalidation();
      disconnected_since_connect_ = false;
      cache_usable_.store(true, std::memory_order_release);
      break;
    case zk::ConnectionState::kExpired:
      // Every watch died with the session: nothing cached can be trusted.
      cache_usable_.store(false, std::memory_order_release);
      cache_generation_.fetch_add(1);
      cache_->Clear();
      disconnected_since_connect_ = false;
      break;
    case zk::ConnectionState::kDisconnected:
    case zk::ConnectionState::kConnecting:
    case zk::ConnectionState::kAuthFailed:
    case zk::ConnectionState::kClosed:
      cache_usable_.store(false, std::memory_order_release);
      disconnected_since_connect_ = true;
      break;
  }
}

// --- Touch coalescing
// -----------------------------------------------------------

void SessionManager::Impl::MaybeTouchAfterRead(const std::string& id,
                                               int64_t last_access_at_ms,
                                               int64_t max_idle_ms) {
  const int64_t now = NowMs();
  const auto threshold = static_cast<int64_t>(options_.touch_fraction *
                                              static_cast<double>(max_idle_ms));
  if (now - last_access_at_ms < threshold || now <= last_access_at_ms) {
    return;  // Coalesced: the stored access time is recent enough.
  }
  if (options_.write_mode == WriteMode::kWriteBehind) {
    session::PendingChange touch;
    touch.touched_at_ms = now;
    pending_.Add(id, touch);
    return;
  }
  {
    // One touch in flight per session: until it lands, every read of a hot
    // session would ask for another.
    std::lock_guard<std::mutex> lock(touch_mu_);
    if (!touching_.insert(id).second) return;
  }
  batcher_->Add(id, {Mutation{}, [this, id](Result<Session> touched) {
                       {
                         std::lock_guard<std::mutex> lock(touch_mu_);
                         touching_.erase(id);
                       }
                       if (!touched.ok()) {
                         VLOG(1) << "touch after read of "
                                 << session::RedactSessionId(id) << ": "
                                 << touched.status();
                       }
                     }});
}

}  // namespace sessionkeeper
