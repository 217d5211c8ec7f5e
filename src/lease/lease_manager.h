// LeaseManager: leases on sessions with fencing tokens (see lease.h and
// docs/architecture.md, "Leases and fencing").
//
//   <root>/leases/<id>                persistent parent, deleted only after
//                                     the session is gone
//   <root>/leases/<id>/l-<sequence>   EPHEMERAL_SEQUENTIAL: one contender or
//                                     holder; data = LeaseRecord
//
// The holder is the lowest sequence. The sequence is the fencing token:
// ZooKeeper never reuses a sequence under a parent, and the parent outlives
// the session, so the path l-<token> names one acquisition forever. A fenced
// write checks that path exists in the same multi as the session write.
//
// Thread-safe; callbacks run on the zk::Client's callback thread.
#ifndef SESSIONKEEPER_LEASE_LEASE_MANAGER_H_
#define SESSIONKEEPER_LEASE_LEASE_MANAGER_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sessionkeeper/clock.h"
#include "sessionkeeper/lease.h"
#include "sessionkeeper/manager_stats.h"
#include "store/session_store.h"
#include "zk/client.h"

namespace sessionkeeper::lease {

class LeaseManager {
 public:
  // Runs `task` after a backoff for retry `attempt` (1, 2, ...), or
  // `on_closing` once the manager closes.
  using RetryLater = std::function<void(int attempt, std::function<void()> task,
                                        std::function<void()> on_closing)>;

  struct Deps {
    zk::Client* client = nullptr;          // Not owned.
    store::SessionStore* store = nullptr;  // Not owned.
    const Clock* clock = nullptr;          // Not owned.
    std::string node_id;
    RetryLater retry_later;
    // How long a call retries while ZooKeeper is unreachable.
    std::chrono::milliseconds operation_timeout{10000};
  };

  explicit LeaseManager(Deps deps);

  void Acquire(std::string id, std::string holder,
               std::chrono::milliseconds ttl, zk::Callback<LeaseAttempt> done);
  void Renew(std::string id, int64_t token, std::chrono::milliseconds ttl,
             zk::Callback<Lease> done);
  void Release(std::string id, int64_t token, zk::DoneCallback done);

  // The checks a write fenced by `token` carries; Fenced at once when this
  // manager knows that lease is lost.
  Result<std::vector<zk::Op>> Fence(const std::string& id, int64_t token);
  // Counts a fenced write that ZooKeeper refused.
  void NoteFencedWrite();
  // Best effort: deletes the lease parent of a session that is gone.
  void DropParent(const std::string& id);
  // On a session loss (the local session timer fired, or the server said
  // expired) every lease held through this manager is lost: its ephemeral
  // node is, or soon will be, gone, and another holder may take it.
  void OnConnectionEvent(const zk::ConnectionEvent& event);

  void FillStats(LifecycleStats& stats) const;

  std::string ParentPath(const std::string& id) const;
  std::string LeasePath(const std::string& id, int64_t token) const;
  // The token of a lease node name: its sequence plus one, so that tokens
  // start at 1 ("l-0000000042" -> 43), or -1.
  static int64_t TokenOf(const std::string& name);

  static constexpr std::chrono::milliseconds kMaxTtl{24 * 3600 * 1000};

 private:
  struct AcquireCall;
  friend struct AcquireCall;

  void Granted(const Lease& lease, bool taken_over);
  void Forget(const std::string& id, int64_t token);
  void DropParentIfSessionGone(const std::string& id);
  bool KnownLost(const std::string& id, int64_t token) const;

  const Deps deps_;

  mutable std::mutex mu_;  // Guards the members below.
  // Leases held through this manager: (id, token) -> expiry.
  std::map<std::pair<std::string, int64_t>, int64_t> held_;
  // Leases this manager lost to a session loss, newest last (bounded).
  std::set<std::pair<std::string, int64_t>> lost_;
  std::deque<std::pair<std::string, int64_t>> lost_order_;
  LifecycleStats counters_;
};

}  // namespace sessionkeeper::lease

#endif  // SESSIONKEEPER_LEASE_LEASE_MANAGER_H_
