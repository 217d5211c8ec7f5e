// History: the in-memory record of every operation a scenario ran (invoke
// and completion times, outcome, version, the value written or read) and of
// every fault it injected, so a failure can be explained after the fact.
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_HISTORY_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_HISTORY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sessionkeeper/status.h"

namespace sessionkeeper::integration {

enum class OpKind {
  kCreate,
  kWrite,   // Mutate setting one attribute.
  kRead,    // Get, recording one attribute's value.
  kDelete,  // Invalidate.
  kFault,   // A fault or note of the test driver: a point in time.
};

enum class OpOutcome {
  kPending,  // Invoked, not completed yet.
  kOk,
  kFailed,   // Definitely did not take effect.
  kUnknown,  // A write that may or may not have taken effect.
};

std::string_view OpKindName(OpKind kind);
std::string_view OpOutcomeName(OpOutcome outcome);

using HistoryClock = std::chrono::steady_clock;

struct Operation {
  int64_t index = 0;  // Position in the history.
  int client = -1;    // -1: the test driver.
  OpKind kind = OpKind::kFault;
  std::string session;
  std::string attribute;
  // Writes: the value written (unique per write, so it doubles as a nonce).
  // Reads: the value read; nullopt when the attribute was absent.
  std::optional<std::string> value;
  OpOutcome outcome = OpOutcome::kPending;
  StatusCode code = StatusCode::kOk;  // Of a failed operation.
  std::string status;    // Why it failed; fault notes: what was done.
  int32_t version = -1;  // The znode version written or read.
  std::string server;    // ZooKeeper server the client was on at completion.
  HistoryClock::time_point invoked;
  HistoryClock::time_point completed;  // Unset while pending.

  bool is_write() const { return kind == OpKind::kWrite; }
  bool ok() const { return outcome == OpOutcome::kOk; }
};

// Thread-safe: workers record concurrently.
class History {
 public:
  History() : start_(HistoryClock::now()) {}

  // Records the start of an operation; returns its index.
  int64_t Invoke(int client, OpKind kind, std::string session,
                 std::string attribute, std::optional<std::string> value);
  void CompleteOk(int64_t index, int32_t version,
                  std::optional<std::string> value_read, std::string server);
  // Creates learn their session id only when they complete.
  void SetSession(int64_t index, std::string session);
  // kUnknown when `status` says the outcome is unknown, kFailed otherwise.
  void CompleteFailed(int64_t index, const Status& status, std::string server);
  // A fault injected by the driver (or any other point worth seeing in a
  // dump); returns when it was recorded.
  HistoryClock::time_point Note(std::string what);

  std::vector<Operation> Snapshot() const;
  int64_t Count(const std::function<bool(const Operation&)>& match) const;

  // One line per matching operation (notes always included), times in ms
  // since the history began.
  std::string Format(const std::function<bool(const Operation&)>& match) const;
  std::string FormatOp(const Operation& op) const;
  double MillisSinceStart(HistoryClock::time_point t) const;
  HistoryClock::time_point start() const { return start_; }

 private:
  const HistoryClock::time_point start_;
  mutable std::mutex mu_;
  std::vector<Operation> ops_;  // Guarded by mu_.
};

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_HISTORY_H_
