// SessionManager: the SessionKeeper API an application links against.
//
// Sessions live in ZooKeeper; any manager on any node serves any session.
// Every write is a versioned ZooKeeper write: a concurrent update is never
// lost (a manager that loses a version race re-reads and replays only its
// own call's changes), and a write whose reply was lost is resolved by
// re-reading its nonce before anything is reported.
//
// Thread-safe. Each operation comes in two forms:
// - FooAsync(..., callback): returns at once; the callback runs exactly once
//   on the manager's callback thread, and must not block (a synchronous
//   call made from it fails with FailedPrecondition instead of deadlocking);
// - Foo(...): blocks the calling thread until done.
//
// Expired sessions (idle or absolute) are NotFound on every read path from
// the moment they expire, before anyone deletes them.
#ifndef SESSIONKEEPER_SESSION_MANAGER_H_
#define SESSIONKEEPER_SESSION_MANAGER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sessionkeeper/cache_stats.h"
#include "sessionkeeper/events.h"
#include "sessionkeeper/lease.h"
#include "sessionkeeper/manager_stats.h"
#include "sessionkeeper/options.h"
#include "sessionkeeper/result.h"
#include "sessionkeeper/session.h"
#include "sessionkeeper/session_snapshot.h"
#include "sessionkeeper/status.h"

namespace sessionkeeper {

class SessionManager {
 public:
  template <typename T>
  using Callback = std::function<void(Result<T>)>;
  using DoneCallback = std::function<void(Status)>;

  // Connects (waiting up to options.connect_timeout) and initialises the
  // root's layout if this is the first manager to use it.
  static Result<std::unique_ptr<SessionManager>> Open(
      SessionManagerOptions options);

  // Flushes write-behind changes, then closes the ZooKeeper session. Must
  // not run on the callback thread.
  ~SessionManager();

  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  // A new session with a fresh id (128 random bits, URL-safe).
  // InvalidArgument: bad principal, attribute name or timeout;
  // ResourceExhausted: over the size or attribute-count limit.
  void CreateAsync(CreateRequest request, Callback<Session> done);
  Result<Session> Create(CreateRequest request);

  // NotFound when missing or expired; DataLoss when its stored bytes are
  // corrupt. May write the last-access time back (see touch_fraction).
  // A cached read that hits runs `done` on the calling thread, before
  // GetAsync returns.
  void GetAsync(std::string id, ReadConsistency consistency,
                Callback<Session> done);
  Result<Session> Get(const std::string& id,
                      ReadConsistency consistency = ReadConsistency::kCached);

  // As Get, without copying a cached session: the snapshot is the cache's
  // own (see session_snapshot.h) and stays valid (and unchanged) for as
  // long as it is held. The fastest way to read; prefer it on hot paths.
  Result<std::shared_ptr<const SessionSnapshot>> GetShared(
      const std::string& id,
      ReadConsistency consistency = ReadConsistency::kCached);
  // The asynchronous GetShared: a cached hit shares the cache's snapshot
  // and runs `done` on the calling thread, before GetSharedAsync returns;
  // anything else completes like GetAsync.
  void GetSharedAsync(std::string id, ReadConsistency consistency,
                      Callback<std::shared_ptr<const SessionSnapshot>> done);

  // Applies `mutation` and refreshes the last-access time. Aborted when
  // mutation.expected_version no longer matches. Unavailable with
  // outcome_unknown() when ZooKeeper became unreachable and the manager
  // could not tell whether the write applied.
  void MutateAsync(std::string id, Mutation mutation, Callback<Session> done);
  Result<Session> Mutate(const std::string& id, Mutation mutation);

  // Refreshes the last-access time.
  void TouchAsync(std::string id, DoneCallback done);
  Status Touch(const std::string& id);

  // Deletes the session. NotFound when it does not exist (or expired).
  // With `lease_token`, fenced like Mutation::lease_token.
  void InvalidateAsync(std::string id, DoneCallback done);
  void InvalidateAsync(std::string id, std::optional<int64_t> lease_token,
                       DoneCallback done);
  Status Invalidate(const std::string& id,
                    std::optional<int64_t> lease_token = std::nullopt);

  // Session-fixation defence: the same content under a new id; the old id
  // is gone in the same ZooKeeper transaction. With `lease_token`, fenced
  // like Mutation::lease_token (the lease does not move to the new id).
  void RotateIdAsync(std::string id, Callback<Session> done);
  void RotateIdAsync(std::string id, std::optional<int64_t> lease_token,
                     Callback<Session> done);
  Result<Session> RotateId(const std::string& id,
                           std::optional<int64_t> lease_token = std::nullopt);

  // --- Leases (see lease.h) ----------------------------------------------
  //
  // Takes the session's lease for `holder` for `ttl`. Not acquired (with
  // the current holder and its expiry) while someone else holds it and its
  // TTL has not passed; a lease past its TTL is taken over. Acquiring again
  // with the same holder through the same manager returns the lease held
  // (renewed). NotFound when the session does not exist.
  void AcquireLeaseAsync(std::string id, std::string holder,
                         std::chrono::milliseconds ttl,
                         Callback<LeaseAttempt> done);
  Result<LeaseAttempt> AcquireLease(const std::string& id,
                                    const std::string& holder,
                                    std::chrono::milliseconds ttl);
  // Extends the lease `token` to now + ttl. Fenced when it is no longer
  // the session's lease (released, taken over, or its holder's ZooKeeper
  // session was lost).
  void RenewLeaseAsync(std::string id, int64_t token,
                       std::chrono::milliseconds ttl, Callback<Lease> done);
  Result<Lease> RenewLease(const std::string& id, int64_t token,
                           std::chrono::milliseconds ttl);
  // Ends the lease `token`. Fenced when it is no longer the lease.
  void ReleaseLeaseAsync(std::string id, int64_t token, DoneCallback done);
  Status ReleaseLease(const std::string& id, int64_t token);

  // Live sessions of a principal.
  void FindByPrincipalAsync(std::string principal,
                            Callback<std::vector<std::string>> done);
  Result<std::vector<std::string>> FindByPrincipal(
      const std::string& principal);

  // Invalidates every live session of a principal; returns how many.
  void InvalidateAllForPrincipalAsync(std::string principal,
                                      Callback<size_t> done);
  Result<size_t> InvalidateAllForPrincipal(const std::string& principal);

  // Write-behind: writes every pending change now and returns when
  // ZooKeeper acknowledged them (the first error, if any). Write-through:
  // nothing to do.
  Status Flush();

  // This manager's node id (recorded as the last writer of its writes).
  const std::string& node_id() const;

  CacheStats cache_stats() const;
  // Connection, cache and lifecycle figures (cheap: counters and a lock).
  ManagerStats stats() const;

  // Session events (see events.h); returns an id for RemoveListener.
  uint64_t AddListener(SessionListener listener);
  void RemoveListener(uint64_t id);

  // The live managers on this root (each registers an ephemeral member).
  void MembersAsync(Callback<std::vector<Member>> done);
  Result<std::vector<Member>> Members();

  class Impl;

 private:
  friend class SessionManagerTestPeer;  // Reaches internals in tests only.

  explicit SessionManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_SESSION_MANAGER_H_
