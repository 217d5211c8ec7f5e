// ManagerStats: what a SessionManager reports for monitoring (the
// daemon's /metrics, skctl stats).
#ifndef SESSIONKEEPER_MANAGER_STATS_H_
#define SESSIONKEEPER_MANAGER_STATS_H_

#include <cstdint>
#include <string>

#include "sessionkeeper/cache_stats.h"

namespace sessionkeeper {

struct ConnectionStats {
  // "connecting", "connected", "disconnected", "expired", "auth_failed" or
  // "closed".
  std::string state;
  bool connected = false;
  // ZooKeeper session generation: 1, plus one per session loss handled.
  uint64_t generation = 0;
  std::string server;  // "host:port" while connected.
};

struct LifecycleStats {
  uint64_t owned_buckets = 0;           // Expiry buckets this manager owns.
  uint64_t scheduled_sessions = 0;      // Deadlines in its expiry schedule.
  uint64_t expired_deleted = 0;         // Expired sessions it deleted.
  uint64_t members = 0;                 // Live members it last saw.
  uint64_t leases_held = 0;             // Leases held through this manager.
  uint64_t leases_acquired = 0;         // Acquisitions granted.
  uint64_t leases_contended = 0;        // Acquisitions refused: held elsewhere.
  uint64_t leases_taken_over = 0;       // Expired leases taken from others.
  uint64_t leases_lost = 0;             // Held leases lost (session loss).
  uint64_t fenced_writes_rejected = 0;  // Writes refused with Fenced.
};

struct ManagerStats {
  ConnectionStats connection;
  CacheStats cache;
  LifecycleStats lifecycle;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_MANAGER_STATS_H_
