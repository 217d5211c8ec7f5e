// CacheStats: counters of a SessionManager's session cache.
#ifndef SESSIONKEEPER_CACHE_STATS_H_
#define SESSIONKEEPER_CACHE_STATS_H_

#include <cstdint>

namespace sessionkeeper {

struct CacheStats {
  uint64_t hits = 0;           // Cached reads served from memory.
  uint64_t misses = 0;         // Cached reads that went to ZooKeeper.
  uint64_t invalidations = 0;  // Entries dropped by a watch event.
  uint64_t evictions = 0;      // Entries dropped for room.
  uint64_t stale_reads = 0;    // Served while disconnected (opted in).
  uint64_t reloads = 0;        // Entries (re)filled from ZooKeeper.
  uint64_t revalidations = 0;  // czxid/mzxid checks after a reconnect.
  uint64_t entries = 0;        // Current.
  uint64_t bytes = 0;          // Current (approximate payload bytes).
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_CACHE_STATS_H_
