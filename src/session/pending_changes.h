// PendingChanges: the write-behind buffer. Coalesces each session's
// attribute changes and touches until the next flush; sessions that were
// only read never enter it, so they are never written back.
//
// Thread-safe.
#ifndef SESSIONKEEPER_SESSION_PENDING_CHANGES_H_
#define SESSIONKEEPER_SESSION_PENDING_CHANGES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "sessionkeeper/session.h"
#include "store/session_record.h"

namespace sessionkeeper::session {

// The net effect of coalesced calls on one session. Applying it twice is the
// same as once (sets and removes of names, a last-access time).
struct PendingChange {
  // Name -> new value, or nullopt for a removal.
  std::map<std::string, std::optional<std::string>> attributes;
  int64_t touched_at_ms = 0;  // 0: no touch pending.

  // Later changes win over earlier ones.
  void MergeNewer(const PendingChange& newer);
  void ApplyTo(store::SessionRecord& record) const;
  void ApplyTo(Session& session) const;
};

class PendingChanges {
 public:
  void Add(const std::string& id, const PendingChange& change);
  // The pending change of `id`, if any (for read-your-writes overlays).
  std::optional<PendingChange> Find(const std::string& id) const;
  // Empties the buffer and returns what it held.
  std::unordered_map<std::string, PendingChange> TakeAll();
  // Puts back a change whose flush failed, under any newer change.
  void Restore(const std::string& id, const PendingChange& change);
  // Forgets a session (it was invalidated or expired).
  void Drop(const std::string& id);
  size_t size() const;

 private:
  mutable std::mutex mu_;  // Guards pending_.
  std::unordered_map<std::string, PendingChange> pending_;
};

}  // namespace sessionkeeper::session

#endif  // SESSIONKEEPER_SESSION_PENDING_CHANGES_H_
