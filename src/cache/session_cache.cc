// SessionCache: sharded map with CLOCK eviction, epochs and counters.
#include "cache/session_cache.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <utility>

namespace sessionkeeper::cache {

namespace {

// Fewer shards for small caches, so each shard's share stays meaningful.
size_t ShardCount(const SessionCache::Options& options) {
  const size_t by_size = std::max<size_t>(1, options.max_entries / 64);
  return std::max<size_t>(1, std::min(options.shards, by_size));
}

// What an entry occupies: its snapshot, the rest of its CachedSession, the
// shared_ptr control block, the index node and a bucket.
size_t ApproximateBytes(const CachedSession& value) {
  constexpr size_t kControlBlockIndexAndBucket = 16 + 64 + 8;
  return value.snapshot.MemoryBytes() +
         (sizeof(CachedSession) - sizeof(SessionSnapshot)) +
         kControlBlockIndexAndBucket;
}

}  // namespace

SessionCache::SessionCache(Options options)
    : options_(options),
      max_entries_per_shard_(
          std::max<size_t>(1, options.max_entries / ShardCount(options))),
      max_bytes_per_shard_(
          std::max<size_t>(1, options.max_bytes / ShardCount(options))) {
  const size_t count = ShardCount(options);
  shards_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

SessionCache::Shard& SessionCache::ShardFor(const std::string& id) const {
  return *shards_[std::hash<std::string>{}(id) % shards_.size()];
}

SessionCache::Lookup SessionCache::Find(const std::string& id) const {
  Shard& shard = ShardFor(id);
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it == shard.entries.end() || !it->second.watched) {
    return {};
  }
  const Entry& entry = it->second;
  entry.referenced.store(true, std::memory_order_relaxed);
  const State state = entry.epoch < epoch_.load(std::memory_order_acquire)
                          ? State::kNeedsRevalidation
                          : State::kHit;
  return {state, entry.value, entry.token};
}

std::shared_ptr<const CachedSession> SessionCache::FindForWrite(
    const std::string& id) const {
  Shard& shard = ShardFor(id);
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it == shard.entries.end()) {
    return nullptr;
  }
  it->second.referenced.store(true, std::memory_order_relaxed);
  return it->second.value;
}

uint64_t SessionCache::Insert(const std::string& id, CachedSession value,
                              bool watched, std::vector<std::string>* evicted) {
  // The index keys view the snapshot's id: it must be this one.
  if (value.snapshot.id() != id) {
    return 0;
  }
  Shard& shard = ShardFor(id);
  auto fresh = std::make_shared<const CachedSession>(std::move(value));
  const size_t bytes = ApproximateBytes(*fresh);
  // Declared before the lock, so released after it: freeing a session's
  // buffer need not hold up the shard's readers.
  std::shared_ptr<const CachedSession> replaced;
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  const uint64_t token = next_token_.fetch_add(1, std::memory_order_relaxed);
  std::string_view key;  // The new entry's: it views `fresh`'s id.
  auto it = shard.entries.find(id);
  if (it != shard.entries.end()) {
    const CachedSession& present = *it->second.value;
    if (present.czxid == fresh->czxid && present.mzxid > fresh->mzxid) {
      return 0;  // Never go back in time.
    }
    // In place: the node is re-keyed to the new snapshot's id (the old one
    // goes when its last reader lets go) without being reallocated.
    auto node = shard.entries.extract(it);
    const size_t old_bytes = ApproximateBytes(*node.mapped().value);
    shard.bytes = shard.bytes - old_bytes + bytes;
    bytes_.fetch_sub(old_bytes, std::memory_order_relaxed);
    replaced = std::move(node.mapped().value);
    key = fresh->snapshot.id();
    node.key() = key;
    Entry& entry = node.mapped();
    entry.value = std::move(fresh);
    entry.token = token;
    entry.epoch = epoch_.load(std::memory_order_acquire);
    entry.watched = watched;
    entry.referenced.store(true, std::memory_order_relaxed);
    shard.entries.insert(std::move(node));
  } else {
    key = fresh->snapshot.id();
    Entry& entry = shard.entries.try_emplace(key).first->second;
    entry.value = std::move(fresh);
    entry.token = token;
    entry.epoch = epoch_.load(std::memory_order_acquire);
    entry.watched = watched;
    shard.bytes += bytes;
    entries_.fetch_add(1, std::memory_order_relaxed);
  }
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  reloads_.fetch_add(1, std::memory_order_relaxed);
  EvictLocked(shard, key, evicted);
  return token;
}

void SessionCache::MarkWatched(const std::string& id, uint64_t token) {
  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it != shard.entries.end() && it->second.token == token) {
    it->second.watched = true;
  }
}

void SessionCache::MarkRevalidated(const std::string& id, uint64_t token) {
  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it != shard.entries.end() && it->second.token == token) {
    it->second.epoch = epoch_.load(std::memory_order_acquire);
  }
}

bool SessionCache::Invalidate(const std::string& id) {
  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  if (shard.entries.find(id) == shard.entries.end()) {
    return false;
  }
  EraseLocked(shard, id);
  invalidations_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void SessionCache::Clear() {
  for (auto& shard : shards_) {
    std::unique_lock<std::shared_mutex> lock(shard->mu);
    entries_.fetch_sub(shard->entries.size(), std::memory_order_relaxed);
    bytes_.fetch_sub(shard->bytes, std::memory_order_relaxed);
    shard->entries.clear();
    shard->hand = 0;
    shard->bytes = 0;
  }
}

void SessionCache::BeginRevalidation() {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

void SessionCache::EraseLocked(Shard& shard, std::string_view id) {
  auto it = shard.entries.find(id);
  if (it == shard.entries.end()) {
    return;
  }
  const size_t bytes = ApproximateBytes(*it->second.value);
  shard.bytes -= bytes;
  bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  // The key views the entry's snapshot: erase by iterator, never by a key
  // that dies with the node.
  shard.entries.erase(it);
}

void SessionCache::EvictLocked(Shard& shard, std::string_view keep,
                               std::vector<std::string>* evicted) {
  // Two sweeps clear every second chance; past them, `keep` (the entry
  // just inserted, passed over so a fill is not undone at once) goes too:
  // it alone is over the bounds.
  size_t buckets_left = 2 * shard.entries.bucket_count() + 1;
  while (!shard.entries.empty() &&
         (shard.entries.size() > max_entries_per_shard_ ||
          shard.bytes > max_bytes_per_shard_)) {
    if (shard.hand >= shard.entries.bucket_count()) {
      shard.hand = 0;
    }
    if (buckets_left == 0) {
      keep = {};
    }
    std::string_view victim;
    for (auto it = shard.entries.begin(shard.hand);
         it != shard.entries.end(shard.hand); ++it) {
      // Second chance: a referenced entry is passed over once.
      const bool referenced =
          it->second.referenced.exchange(false, std::memory_order_relaxed);
      if (!referenced && it->first.data() != keep.data()) {
        victim = it->first;
        break;
      }
    }
    if (victim.data() == nullptr) {
      ++shard.hand;  // Nothing (left) to take from this bucket.
      if (buckets_left > 0) {
        --buckets_left;
      }
      continue;
    }
    auto it = shard.entries.find(victim);
    // Only a watched copy has a ZooKeeper watch to remove.
    if (evicted != nullptr && it->second.watched) {
      evicted->emplace_back(victim);
    }
    EraseLocked(shard, victim);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
}

CacheStats SessionCache::stats() const {
  CacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.invalidations = invalidations_.load(std::memory_order_relaxed);
  s.evictions = evictions_.load(std::memory_order_relaxed);
  s.stale_reads = stale_reads_.load(std::memory_order_relaxed);
  s.reloads = reloads_.load(std::memory_order_relaxed);
  s.revalidations = revalidations_.load(std::memory_order_relaxed);
  s.entries = entries_.load(std::memory_order_relaxed);
  s.bytes = bytes_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace sessionkeeper::cache
