// Status: the outcome of an operation, returned as a value (never thrown).
//
// Codes say what the caller can do: kUnavailable means retry the call,
// kAborted means re-read and retry the transaction, kFailedPrecondition and
// kInvalidArgument mean do not retry. A failed write whose outcome is unknown
// (the connection dropped after the request may have reached ZooKeeper) says
// so through outcome_unknown().
//
// A Status is a small value type; copies are independent and it is safe to
// use different instances from different threads.
#ifndef SESSIONKEEPER_STATUS_H_
#define SESSIONKEEPER_STATUS_H_

#include <ostream>
#include <string>
#include <string_view>

namespace sessionkeeper {

enum class StatusCode {
  kOk = 0,
  kNotFound,            // No such session or znode (also: session expired).
  kAlreadyExists,       // Create of something that exists.
  kAborted,             // Version conflict: re-read and retry.
  kUnavailable,         // ZooKeeper unreachable: retry (see outcome_unknown).
  kInvalidArgument,     // Bad id, name, path or size: do not retry.
  kResourceExhausted,   // Too large, or over a configured limit.
  kDataLoss,            // Stored bytes are corrupt.
  kFailedPrecondition,  // The system is not in a state for this call.
  kPermissionDenied,    // Missing or wrong credentials.
  kDeadlineExceeded,    // Gave up waiting.
  kFenced,              // A lease fencing token is no longer current.
  kInternal,            // A bug or an unexpected reply.
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // OK.
  Status() = default;

  static Status Ok() { return {}; }
  static Status NotFound(std::string_view msg);
  static Status AlreadyExists(std::string_view msg);
  static Status Aborted(std::string_view msg);
  // `outcome_unknown`: a write may or may not have been applied.
  static Status Unavailable(std::string_view msg, bool outcome_unknown = false);
  static Status InvalidArgument(std::string_view msg);
  static Status ResourceExhausted(std::string_view msg);
  static Status DataLoss(std::string_view msg);
  static Status FailedPrecondition(std::string_view msg);
  static Status PermissionDenied(std::string_view msg);
  static Status DeadlineExceeded(std::string_view msg);
  static Status Fenced(std::string_view msg);
  static Status Internal(std::string_view msg);

  Status(StatusCode code, std::string_view msg, bool outcome_unknown = false);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code_ == StatusCode::kAlreadyExists; }
  bool IsAborted() const { return code_ == StatusCode::kAborted; }
  bool IsUnavailable() const { return code_ == StatusCode::kUnavailable; }
  bool IsInvalidArgument() const {
    return code_ == StatusCode::kInvalidArgument;
  }
  bool IsResourceExhausted() const {
    return code_ == StatusCode::kResourceExhausted;
  }
  bool IsDataLoss() const { return code_ == StatusCode::kDataLoss; }
  bool IsFailedPrecondition() const {
    return code_ == StatusCode::kFailedPrecondition;
  }
  bool IsPermissionDenied() const {
    return code_ == StatusCode::kPermissionDenied;
  }
  bool IsDeadlineExceeded() const {
    return code_ == StatusCode::kDeadlineExceeded;
  }
  bool IsFenced() const { return code_ == StatusCode::kFenced; }

  // True when a write failed in a way that leaves open whether it was
  // applied (connection loss or timeout after the request was sent).
  bool outcome_unknown() const { return outcome_unknown_; }

  // True when retrying the same call may succeed (kUnavailable).
  bool IsRetryable() const { return code_ == StatusCode::kUnavailable; }

  // The same status with "context: " put in front of the message.
  Status WithContext(std::string_view context) const;

  // "NOT_FOUND: message" (or "OK").
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ &&
           a.outcome_unknown_ == b.outcome_unknown_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  bool outcome_unknown_ = false;
  std::string message_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_STATUS_H_
