// ExpiryScheduler: deletes expired sessions in the buckets this manager
// owns, exactly once across the cluster.
//
// Live members split the buckets by rendezvous hashing. For each owned
// bucket the scheduler watches the children, reads each session once, and
// keeps its deadline in an in-memory schedule. When a deadline passes it
// re-reads the session (a touch elsewhere moves the deadline; the session
// is then rescheduled, never deleted while alive) and deletes it with the
// version it read: a concurrent touch makes the delete fail and the session
// lives. The manager whose delete won publishes the kExpired event. The
// delete's multi also creates <root>/expiring/<id> holding this member's
// name and a nonce, so a delete whose reply was lost (connection loss) is
// resolved by reading the marker back: the event is neither lost nor
// doubled. Markers are deleted after the event; ones left by a crash are
// swept by the bucket's owner after one to two sweep periods.
//
// Thread-safe. Work runs on the timer thread and the client's callback
// thread; every step is asynchronous.
#ifndef SESSIONKEEPER_LIFECYCLE_EXPIRY_SCHEDULER_H_
#define SESSIONKEEPER_LIFECYCLE_EXPIRY_SCHEDULER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/timer_thread.h"
#include "lifecycle/event_bus.h"
#include "sessionkeeper/clock.h"
#include "store/session_store.h"
#include "zk/client.h"

namespace sessionkeeper::lifecycle {

class ExpiryScheduler {
 public:
  struct Deps {
    store::SessionStore* store = nullptr;
    zk::Client* client = nullptr;
    TimerThread* timer = nullptr;
    const Clock* clock = nullptr;
    EventBus* events = nullptr;
    // Drops local copies of a session this scheduler deleted.
    std::function<void(const std::string& id)> forget;
    std::string self;  // This member's name.
    std::chrono::milliseconds granularity{500};
    std::chrono::milliseconds marker_sweep_period{5 * 60 * 1000};
  };

  explicit ExpiryScheduler(Deps deps);

  // Starts the periodic check.
  void Start();
  // Stops scheduling new work (the manager is closing).
  void Stop();
  // The live members changed: recompute the owned buckets, load new ones.
  void OnMembersChanged(const std::vector<std::string>& members);
  // A new ZooKeeper session: child watches are gone; reload owned buckets.
  void OnNewSession();
  // This manager created session `id`: if it owns the bucket, the deadline
  // is scheduled now and the next re-list does not read the session back.
  void OnCreated(const std::string& id, int64_t deadline_ms);

  // The re-list delay after `quiet_relists` re-lists in a row found
  // nothing new: min(granularity, 500 ms), doubled per quiet re-list up to
  // eight times that. A bucket only this member creates in (the child
  // watch fires for its own creates too) is re-listed ever less often; the
  // first foreign session found brings the delay back down.
  static std::chrono::milliseconds RelistDelayFor(
      std::chrono::milliseconds granularity, int quiet_relists);

  size_t owned_bucket_count() const;
  size_t scheduled_count() const;
  uint64_t expired_count() const;

 private:
  void Tick();
  // Lists `bucket` (with a child watch) and loads the sessions it did not
  // know. `after_event`: a re-list its child watch asked for, which counts
  // towards the re-list back-off when it finds nothing new.
  void ListBucket(uint32_t bucket, bool after_event = false);
  void Load(const std::string& id, uint32_t bucket);
  void Schedule(const std::string& id, uint32_t bucket, int64_t deadline_ms);
  void Check(const std::string& id, uint32_t bucket);
  // One expiry delete in flight.
  struct Expiry {
    std::string id;
    uint32_t bucket = 0;
    std::string principal;
    bool absolute = false;
    std::string marker;  // The marker's content: member name and nonce.
  };
  // The delete's outcome is unknown: read the marker back.
  void Resolve(const Expiry& expiry);
  void RetryResolve(const Expiry& expiry);
  // The delete did not apply: judge the session again.
  void NotApplied(const Expiry& expiry);
  // The delete applied: count, forget, publish, remove the marker.
  void Won(const Expiry& expiry);
  void DoneChecking(const std::string& id);
  void SweepMarkers();
  void Forget(const std::string& id, uint32_t bucket);
  bool Owns(uint32_t bucket) const;
  // How long a bucket's child events are coalesced before its re-list.
  std::chrono::milliseconds RelistDelayLocked(uint32_t bucket) const;

  const Deps deps_;

  mutable std::mutex mu_;  // Guards the members below.
  bool stopped_ = false;
  std::set<uint32_t> owned_;
  std::unordered_map<uint32_t, std::unordered_set<std::string>> known_;
  std::set<uint32_t> relist_pending_;
  // Per bucket: re-lists in a row that found no session this member did
  // not already know (its own creates, deletes). Absent: zero.
  std::unordered_map<uint32_t, int> quiet_relists_;
  // Deadline (ms, by the injected clock) -> (id, bucket).
  std::multimap<int64_t, std::pair<std::string, uint32_t>> schedule_;
  std::unordered_set<std::string> checking_;
  std::chrono::steady_clock::time_point next_sweep_{};
  std::set<std::string> sweep_candidates_;  // Markers seen by the last sweep.
  uint64_t expired_ = 0;
};

}  // namespace sessionkeeper::lifecycle

#endif  // SESSIONKEEPER_LIFECYCLE_EXPIRY_SCHEDULER_H_
