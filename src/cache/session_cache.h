// SessionCache: decoded sessions kept in memory, each valid only while the
// ZooKeeper watch armed by its fill is still armed.
//
// The cache itself knows nothing of ZooKeeper: the manager fills it from
// watched reads, drops entries on watch events, and tells it about
// connection changes. It keeps:
// - per entry: the session, its znode's czxid/mzxid (so a delete+recreate is
//   never mistaken for the old session), whether its watch is armed, and the
//   revalidation epoch it was last vouched for in;
// - bounds on entries and bytes, with CLOCK (second-chance) eviction per
//   shard (the hand sweeps the index's buckets).
//
// Thread-safe. Lookups take one shard's lock in shared mode (no global lock
// on the hot path); changes take it exclusively.
#ifndef SESSIONKEEPER_CACHE_SESSION_CACHE_H_
#define SESSIONKEEPER_CACHE_SESSION_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sessionkeeper/cache_stats.h"
#include "sessionkeeper/session_snapshot.h"

namespace sessionkeeper::cache {

struct CachedSession {
  CachedSession(SessionSnapshot snapshot_in, int64_t czxid_in, int64_t mzxid_in,
                uint32_t format_version_in)
      : snapshot(std::move(snapshot_in)),
        czxid(czxid_in),
        mzxid(mzxid_in),
        format_version(format_version_in) {}

  SessionSnapshot snapshot;
  int64_t czxid = 0;
  int64_t mzxid = 0;
  // The record format it was decoded from: a write may start from this copy
  // only when re-encoding it loses nothing (a format this build writes).
  uint32_t format_version = 0;
};

class SessionCache {
 public:
  struct Options {
    size_t max_entries = 10000;
    size_t max_bytes = size_t{64} * 1024 * 1024;
    size_t shards = 32;
  };

  enum class State {
    kMiss,              // Absent, or present without an armed watch.
    kHit,               // Servable.
    kNeedsRevalidation  // Present and watched, but from before a reconnect.
  };
  struct Lookup {
    State state = State::kMiss;
    std::shared_ptr<const CachedSession> entry;
    uint64_t token = 0;  // Identifies this entry for later Mark* calls.
  };

  explicit SessionCache(Options options);

  Lookup Find(const std::string& id) const;
  // Any copy, watched or not and whatever the epoch: not to be served, only
  // a guess for a write to start from (the write's version check makes a
  // stale copy cost a retry, never a lost update). Null when absent.
  std::shared_ptr<const CachedSession> FindForWrite(
      const std::string& id) const;

  // Inserts `value`, or replaces the present entry unless that one is newer
  // (same czxid and a higher mzxid). `watched`: its fill armed a watch.
  // Returns the new entry's token (0 when not inserted); ids evicted to make
  // room, those with a watch, are appended to `evicted` (their watches
  // should be removed).
  uint64_t Insert(const std::string& id, CachedSession value, bool watched,
                  std::vector<std::string>* evicted);
  // The entry `token` now has an armed watch and is current.
  void MarkWatched(const std::string& id, uint64_t token);
  // The entry `token` was confirmed current after a reconnect.
  void MarkRevalidated(const std::string& id, uint64_t token);
  // Drops the entry (a watch fired, or it was deleted or rotated away).
  // Returns true when there was one.
  bool Invalidate(const std::string& id);
  // Drops everything (the ZooKeeper session, and every watch, is gone).
  void Clear();
  // After a reconnect: entries filled before must be revalidated before
  // they are served again.
  void BeginRevalidation();

  void CountHit() const { hits_.fetch_add(1, std::memory_order_relaxed); }
  void CountMiss() const { misses_.fetch_add(1, std::memory_order_relaxed); }
  void CountStaleRead() const {
    stale_reads_.fetch_add(1, std::memory_order_relaxed);
  }
  void CountRevalidation() const {
    revalidations_.fetch_add(1, std::memory_order_relaxed);
  }
  CacheStats stats() const;

 private:
  // Kept small: an index node is 64 bytes of heap (next pointer, key,
  // entry; no stored hash), a tenth of what a separate key string, entry
  // object and CLOCK ring slot took.
  struct Entry {
    std::shared_ptr<const CachedSession> value;
    uint64_t token = 0;
    uint32_t epoch = 0;
    bool watched = false;
    mutable std::atomic<bool> referenced{true};
  };
  // Its noexcept operator() tells libstdc++ the hash is cheap to recompute,
  // so nodes do not store it.
  struct IdHash {
    size_t operator()(std::string_view id) const noexcept {
      return std::hash<std::string_view>{}(id);
    }
  };
  struct Shard {
    mutable std::shared_mutex mu;  // Guards the members below.
    // Keys view the id inside their entry's own snapshot: stored once.
    std::unordered_map<std::string_view, Entry, IdHash> entries;
    size_t hand = 0;  // CLOCK hand: a bucket of `entries`.
    size_t bytes = 0;
  };

  Shard& ShardFor(const std::string& id) const;
  // Evicts from `shard` (locked) until it is within its share of the
  // bounds, `keep` last of all.
  void EvictLocked(Shard& shard, std::string_view keep,
                   std::vector<std::string>* evicted);
  void EraseLocked(Shard& shard, std::string_view id);

  const Options options_;
  const size_t max_entries_per_shard_;
  const size_t max_bytes_per_shard_;
  mutable std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint32_t> epoch_{1};
  std::atomic<uint64_t> next_token_{1};

  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> invalidations_{0};
  std::atomic<uint64_t> evictions_{0};
  mutable std::atomic<uint64_t> stale_reads_{0};
  std::atomic<uint64_t> reloads_{0};
  mutable std::atomic<uint64_t> revalidations_{0};
  std::atomic<uint64_t> entries_{0};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace sessionkeeper::cache

#endif  // SESSIONKEEPER_CACHE_SESSION_CACHE_H_
