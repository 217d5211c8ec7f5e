// SessionLock: holds one session exclusively for the duration of a request
// (ASP.NET's session-state locking), built on leases.
//
// It never proceeds unlocked. Acquire waits up to a timeout for the lease
// and fails with DeadlineExceeded (naming the holder) if it cannot get it.
// Every write through the lock carries the lease's fencing token, so if the
// lock is lost meanwhile (the TTL passed and another request took it over,
// or this manager's ZooKeeper session was lost) the write fails with Fenced
// and changes nothing. The destructor releases the lease.
//
// Not thread-safe: one request's thread uses it. Must not be used on the
// manager's callback thread (its calls block).
#ifndef SESSIONKEEPER_SESSION_LOCK_H_
#define SESSIONKEEPER_SESSION_LOCK_H_

#include <chrono>
#include <memory>
#include <string>

#include "sessionkeeper/lease.h"
#include "sessionkeeper/result.h"
#include "sessionkeeper/session.h"
#include "sessionkeeper/session_manager.h"
#include "sessionkeeper/status.h"

namespace sessionkeeper {

class SessionLock {
 public:
  struct Options {
    // Who holds the lock (shown to requests that wait). Empty: a name made
    // of the manager's node id and a counter, unique per lock.
    std::string holder;
    // How long the lock lasts without Renew; past it, another request may
    // take it over. Longer than the slowest request.
    std::chrono::milliseconds ttl{30000};
    // How long Acquire waits for another request's lock to end.
    std::chrono::milliseconds wait_timeout{5000};
  };

  // Waits for the session's lease. NotFound when the session does not
  // exist; DeadlineExceeded when another holder kept it for the whole wait.
  static Result<std::unique_ptr<SessionLock>> Acquire(SessionManager& manager,
                                                      const std::string& id,
                                                      Options options);
  static Result<std::unique_ptr<SessionLock>> Acquire(SessionManager& manager,
                                                      const std::string& id) {
    return Acquire(manager, id, Options{});
  }

  // Releases the lease if still held.
  ~SessionLock();
  SessionLock(const SessionLock&) = delete;
  SessionLock& operator=(const SessionLock&) = delete;

  const Lease& lease() const { return lease_; }
  int64_t token() const { return lease_.token; }

  Result<Session> Get(ReadConsistency consistency = ReadConsistency::kCached);
  // Fenced writes (Mutation::lease_token is set to this lock's token).
  Result<Session> Mutate(Mutation mutation);
  Status Touch();
  // Deletes the session; the lock ends with it.
  Status Invalidate();
  // Extends the lock by its TTL from now.
  Status Renew();
  // Ends the lock early. Fenced when it was already lost.
  Status Release();

 private:
  SessionLock(SessionManager& manager, Lease lease,
              std::chrono::milliseconds ttl)
      : manager_(manager), lease_(std::move(lease)), ttl_(ttl) {}

  SessionManager& manager_;
  Lease lease_;
  const std::chrono::milliseconds ttl_;
  bool released_ = false;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_SESSION_LOCK_H_
