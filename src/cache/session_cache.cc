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

size_t ApproximateBytes(const std::string& id, const CachedSession& value) {
  size_t bytes = 256 + id.size() + value.session.principal.size();
  for (const auto& [name, data] : value.session.attributes) {
    bytes += 64 + name.size() + data.size();
  }
  return bytes;
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
  for (size_t i = 0; i < count; ++i)
    shards_.push_back(std::make_unique<Shard>());
}

SessionCache::Shard& SessionCache::ShardFor(const std::string& id) const {
  return *shards_[std::hash<std::string>{}(id) % shards_.size()];
}

SessionCache::Lookup SessionCache::Find(const std::string& id) const {
  Shard& shard = ShardFor(id);
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it == shard.entries.end() || !it->second->watched) return {};
  const Entry& entry = *it->second;
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
  if (it == shard.entries.end()) return nullptr;
  it->second->referenced.store(true, std::memory_order_relaxed);
  return it->second->value;
}

uint64_t SessionCache::Insert(const std::string& id, CachedSession value,
                              bool watched, std::vector<std::string>* evicted) {
  Shard& shard = ShardFor(id);
  // Declared before the lock, so released after it: freeing a session's
  // strings need not hold up the shard's readers.
  std::shared_ptr<const CachedSession> replaced;
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it != shard.entries.end()) {
    Entry& entry = *it->second;
    const CachedSession& present = *entry.value;
    if (present.czxid == value.czxid && present.mzxid > value.mzxid) {
      return 0;  // Never go back in time.
    }
    // In place: the key, its map node and its place in the ring stay.
    const size_t bytes = ApproximateBytes(id, value);
    shard.bytes = shard.bytes - entry.bytes + bytes;
    bytes_.fetch_sub(entry.bytes, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
    replaced = std::move(entry.value);
    entry.value = std::make_shared<const CachedSession>(std::move(value));
    entry.bytes = bytes;
    entry.token = next_token_.fetch_add(1, std::memory_order_relaxed);
    entry.epoch = epoch_.load(std::memory_order_acquire);
    entry.watched = watched;
    entry.referenced.store(true, std::memory_order_relaxed);
    const uint64_t token = entry.token;
    reloads_.fetch_add(1, std::memory_order_relaxed);
    EvictLocked(shard, evicted);
    return token;
  }
  // Duplicates in the ring are harmless (compaction removes them); a missing
  // key would leave the entry out of eviction.
  shard.clock.push_back(id);
  auto entry = std::make_unique<Entry>();
  entry->bytes = ApproximateBytes(id, value);
  entry->value = std::make_shared<const CachedSession>(std::move(value));
  entry->token = next_token_.fetch_add(1, std::memory_order_relaxed);
  entry->epoch = epoch_.load(std::memory_order_acquire);
  entry->watched = watched;
  const uint64_t token = entry->token;
  shard.bytes += entry->bytes;
  bytes_.fetch_add(entry->bytes, std::memory_order_relaxed);
  entries_.fetch_add(1, std::memory_order_relaxed);
  reloads_.fetch_add(1, std::memory_order_relaxed);
  shard.entries.emplace(id, std::move(entry));
  EvictLocked(shard, evicted);
  return token;
}

void SessionCache::MarkWatched(const std::string& id, uint64_t token) {
  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it != shard.entries.end() && it->second->token == token) {
    it->second->watched = true;
  }
}

void SessionCache::MarkRevalidated(const std::string& id, uint64_t token) {
  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it != shard.entries.end() && it->second->token == token) {
    it->second->epoch = epoch_.load(std::memory_order_acquire);
  }
}

bool SessionCache::Invalidate(const std::string& id) {
  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  if (shard.entries.find(id) == shard.entries.end()) return false;
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
    shard->clock.clear();
    shard->hand = 0;
    shard->bytes = 0;
  }
}

void SessionCache::BeginRevalidation() {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

void SessionCache::EraseLocked(Shard& shard, const std::string& id) {
  auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return;
  shard.bytes -= it->second->bytes;
  bytes_.fetch_sub(it->second->bytes, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  shard.entries.erase(it);
  // The key stays in the CLOCK ring until the hand passes it; keep the ring
  // from growing without bound under churn.
  if (shard.clock.size() > 2 * shard.entries.size() + 64) {
    shard.clock.clear();
    for (const auto& [key, entry] : shard.entries) shard.clock.push_back(key);
    shard.hand = 0;
  }
}

void SessionCache::EvictLocked(Shard& shard,
                               std::vector<std::string>* evicted) {
  while (!shard.entries.empty() &&
         (shard.entries.size() > max_entries_per_shard_ ||
          shard.bytes > max_bytes_per_shard_)) {
    if (shard.hand >= shard.clock.size()) shard.hand = 0;
    std::string& key = shard.clock[shard.hand];
    auto it = shard.entries.find(key);
    if (it == shard.entries.end()) {  // A stale key: drop it from the ring.
      key = std::move(shard.clock.back());
      shard.clock.pop_back();
      continue;
    }
    if (it->second->referenced.exchange(false, std::memory_order_relaxed)) {
      ++shard.hand;  // Second chance.
      continue;
    }
    std::string victim = std::move(key);
    key = std::move(shard.clock.back());
    shard.clock.pop_back();
    // Only a watched copy has a ZooKeeper watch to remove.
    if (evicted != nullptr && it->second->watched) evicted->push_back(victim);
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
