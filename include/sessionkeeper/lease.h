// Leases: exclusive, time-limited holds on a session, with fencing tokens.
//
// A lease is an ephemeral ZooKeeper node: it ends when its holder releases
// it, when another holder takes it over after its TTL, or when the holder's
// ZooKeeper session ends. Its token only grows (each acquisition gets a
// larger one) and is what a fenced write carries (Mutation::lease_token):
// ZooKeeper applies the write only while that exact lease still exists, in
// the same transaction, so a holder that paused past its lease is rejected
// with Status::Fenced and changes nothing.
#ifndef SESSIONKEEPER_LEASE_H_
#define SESSIONKEEPER_LEASE_H_

#include <cstdint>
#include <string>

namespace sessionkeeper {

struct Lease {
  std::string session_id;
  std::string holder;
  // The fencing token; 0 when this describes someone else's lease.
  int64_t token = 0;
  // Wall-clock milliseconds since the epoch at which another holder may
  // take the lease over (unless it is renewed first).
  int64_t expires_at_ms = 0;
};

// The outcome of AcquireLease: either this caller now holds `lease`, or
// `lease` says who holds it and until when (token 0).
struct LeaseAttempt {
  bool acquired = false;
  Lease lease;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_LEASE_H_
