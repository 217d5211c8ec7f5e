// Status factories and formatting.
#include "sessionkeeper/status.h"

#include <string>

namespace sessionkeeper {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kFenced:
      return "FENCED";
    case StatusCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN_CODE";
}

Status::Status(StatusCode code, std::string_view msg, bool outcome_unknown)
    : code_(code),
      outcome_unknown_(code != StatusCode::kOk && outcome_unknown),
      message_(code == StatusCode::kOk ? std::string() : std::string(msg)) {}

Status Status::NotFound(std::string_view msg) {
  return {StatusCode::kNotFound, msg};
}
Status Status::AlreadyExists(std::string_view msg) {
  return {StatusCode::kAlreadyExists, msg};
}
Status Status::Aborted(std::string_view msg) {
  return {StatusCode::kAborted, msg};
}
Status Status::Unavailable(std::string_view msg, bool outcome_unknown) {
  return {StatusCode::kUnavailable, msg, outcome_unknown};
}
Status Status::InvalidArgument(std::string_view msg) {
  return {StatusCode::kInvalidArgument, msg};
}
Status Status::ResourceExhausted(std::string_view msg) {
  return {StatusCode::kResourceExhausted, msg};
}
Status Status::DataLoss(std::string_view msg) {
  return {StatusCode::kDataLoss, msg};
}
Status Status::FailedPrecondition(std::string_view msg) {
  return {StatusCode::kFailedPrecondition, msg};
}
Status Status::PermissionDenied(std::string_view msg) {
  return {StatusCode::kPermissionDenied, msg};
}
Status Status::DeadlineExceeded(std::string_view msg) {
  return {StatusCode::kDeadlineExceeded, msg};
}
Status Status::Fenced(std::string_view msg) {
  return {StatusCode::kFenced, msg};
}
Status Status::Internal(std::string_view msg) {
  return {StatusCode::kInternal, msg};
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return {code_, msg, outcome_unknown_};
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  if (outcome_unknown_) out += " (outcome unknown: the write may have applied)";
  return out;
}

std::ostream& operator<<(std::ostream& os, const Status& status) {
  return os << status.ToString();
}

}  // namespace sessionkeeper
