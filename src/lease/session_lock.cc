// SessionLock: retries AcquireLease with a growing pause until the wait
// timeout; writes carry the token so a lost lock can only fail, never write.
#include "sessionkeeper/session_lock.h"

#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "session/session_id.h"

namespace sessionkeeper {

namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstPause{5};
constexpr milliseconds kMaxPause{100};

std::string UniqueHolder(const SessionManager& manager) {
  static std::atomic<uint64_t> next{0};
  return manager.node_id() + "/lock-" + std::to_string(++next);
}

}  // namespace

Result<std::unique_ptr<SessionLock>> SessionLock::Acquire(
    SessionManager& manager, const std::string& id, Options options) {
  if (options.wait_timeout.count() < 0) {
    return Status::InvalidArgument("wait timeout must not be negative");
  }
  if (options.holder.empty()) options.holder = UniqueHolder(manager);
  const auto deadline = SteadyClock::now() + options.wait_timeout;
  milliseconds pause = kFirstPause;
  while (true) {
    Result<LeaseAttempt> attempt =
        manager.AcquireLease(id, options.holder, options.ttl);
    if (!attempt.ok()) return attempt.status();
    if (attempt->acquired) {
      return std::unique_ptr<SessionLock>(
          new SessionLock(manager, std::move(attempt->lease), options.ttl));
    }
    const auto now = SteadyClock::now();
    if (now >= deadline) {
      return Status::DeadlineExceeded(
          "session " + session::RedactSessionId(id) + " is locked by '" +
          attempt->lease.holder + "' until " +
          std::to_string(attempt->lease.expires_at_ms) +
          " (ms since the epoch); gave up after waiting " +
          std::to_string(options.wait_timeout.count()) + " ms");
    }
    // Polling, with a short pause: the holder's request usually ends soon.
    std::this_thread::sleep_for(
        std::min<SteadyClock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, kMaxPause);
  }
}

SessionLock::~SessionLock() {
  if (released_) return;
  Status s = Release();
  if (!s.ok() && !s.IsFenced()) {
    LOG(WARNING) << "releasing a session lock: " << s
                 << " (it ends with its TTL or this manager's ZooKeeper "
                    "session)";
  }
}

Result<Session> SessionLock::Get(ReadConsistency consistency) {
  return manager_.Get(lease_.session_id, consistency);
}

Result<Session> SessionLock::Mutate(Mutation mutation) {
  mutation.lease_token = lease_.token;
  return manager_.Mutate(lease_.session_id, std::move(mutation));
}

Status SessionLock::Touch() { return Mutate(Mutation{}).status(); }

Status SessionLock::Invalidate() {
  Status s = manager_.Invalidate(lease_.session_id, lease_.token);
  if (s.ok()) {
    // The lease node outlives the session until released; release it so
    // its parent can go too.
    const Status released = Release();
    VLOG(1) << "lease released after invalidation: " << released;
  }
  return s;
}

Status SessionLock::Renew() {
  Result<Lease> renewed =
      manager_.RenewLease(lease_.session_id, lease_.token, ttl_);
  if (!renewed.ok()) return renewed.status();
  lease_ = std::move(*renewed);
  return Status::Ok();
}

Status SessionLock::Release() {
  if (released_) return Status::Ok();
  released_ = true;
  return manager_.ReleaseLease(lease_.session_id, lease_.token);
}

}  // namespace sessionkeeper
