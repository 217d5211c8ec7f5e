// WriteAudit: checks every recorded attribute-per-write write against what
// ZooKeeper holds at the end of a scenario. Acknowledged writes must be
// there with their value; writes reported as failed (outcome known) must
// not; writes of unknown outcome may be either, and are counted.
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_WRITE_AUDIT_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_WRITE_AUDIT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/history.h"

namespace sessionkeeper::integration {

// Session id -> its attributes as finally stored.
using StoredAttributes =
    std::map<std::string, std::map<std::string, std::string>>;

struct WriteAudit {
  int64_t acknowledged = 0;
  int64_t unknown = 0;
  int64_t unknown_applied = 0;  // Of the unknown ones, how many took effect.
  int64_t failed = 0;
  int64_t lost = 0;                // Acknowledged but missing or changed.
  int64_t failed_but_applied = 0;  // Reported failed, yet present.
  int64_t still_pending = 0;       // Never completed: a harness bug.
  // Failed with another code than Unavailable. These loads use neither
  // expected versions nor deletes, so ZooKeeper trouble may only ever
  // surface as Unavailable (README: "Every call can also fail with
  // Unavailable"); anything else misreports what happened.
  int64_t unexpected_errors = 0;
  std::vector<Operation> violations;

  bool clean() const {
    return lost == 0 && failed_but_applied == 0 && still_pending == 0 &&
           unexpected_errors == 0;
  }
  std::string Summary() const;
};

WriteAudit AuditWrites(const std::vector<Operation>& history,
                       const StoredAttributes& stored);

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_WRITE_AUDIT_H_
