// Auditing writes against the final state.
#include "support/write_audit.h"

namespace sessionkeeper::integration {

std::string WriteAudit::Summary() const {
  return "acknowledged=" + std::to_string(acknowledged) +
         " unknown=" + std::to_string(unknown) + " (applied " +
         std::to_string(unknown_applied) + ")" +
         " failed=" + std::to_string(failed) + " lost=" + std::to_string(lost) +
         " failed_but_applied=" + std::to_string(failed_but_applied) +
         " pending=" + std::to_string(still_pending) +
         " unexpected_errors=" + std::to_string(unexpected_errors);
}

WriteAudit AuditWrites(const std::vector<Operation>& history,
                       const StoredAttributes& stored) {
  WriteAudit audit;
  for (const Operation& op : history) {
    if (!op.is_write()) continue;
    const auto session = stored.find(op.session);
    const std::string* present = nullptr;
    if (session != stored.end()) {
      auto it = session->second.find(op.attribute);
      if (it != session->second.end()) present = &it->second;
    }
    if ((op.outcome == OpOutcome::kFailed ||
         op.outcome == OpOutcome::kUnknown) &&
        op.code != StatusCode::kUnavailable) {
      ++audit.unexpected_errors;
      audit.violations.push_back(op);
    }
    switch (op.outcome) {
      case OpOutcome::kOk:
        ++audit.acknowledged;
        if (present == nullptr || *present != op.value) {
          ++audit.lost;
          audit.violations.push_back(op);
        }
        break;
      case OpOutcome::kUnknown:
        ++audit.unknown;
        if (present != nullptr && *present == op.value) ++audit.unknown_applied;
        break;
      case OpOutcome::kFailed:
        ++audit.failed;
        if (present != nullptr) {
          ++audit.failed_but_applied;
          audit.violations.push_back(op);
        }
        break;
      case OpOutcome::kPending:
        ++audit.still_pending;
        audit.violations.push_back(op);
        break;
    }
  }
  return audit;
}

}  // namespace sessionkeeper::integration
