// Status -> HTTP status, in one switch.
#include "server/status_mapping.h"

#include <glog/logging.h>

#include <nlohmann/json.hpp>
#include <string>

namespace sessionkeeper::server {

HttpStatus MapStatus(const Status& status, bool conditional) {
  switch (status.code()) {
    case StatusCode::kOk:
      return {200, "", 0};
    case StatusCode::kNotFound:  // Missing or expired.
      return {404, "not_found", 0};
    case StatusCode::kAlreadyExists:
      return {409, "already_exists", 0};
    case StatusCode::kAborted:
      // With If-Match: the version moved on. Without: the manager gave up
      // after max_write_attempts lost races; re-sending may succeed.
      return conditional ? HttpStatus{412, "precondition_failed", 0}
                         : HttpStatus{409, "conflict", 0};
    case StatusCode::kUnavailable:
      return {503, "unavailable", 1};
    case StatusCode::kInvalidArgument:
      return {400, "invalid_argument", 0};
    case StatusCode::kResourceExhausted:  // Session or request too large.
      return {413, "too_large", 0};
    case StatusCode::kDataLoss:
      // The stored record is corrupt: permanent for this session, not a
      // failure of the service, and nothing a retry fixes.
      return {410, "data_loss", 0};
    case StatusCode::kFailedPrecondition:
      // E.g. a record written by a newer build, which this one must not
      // rewrite: the session's state rules the call out.
      return {409, "failed_precondition", 0};
    case StatusCode::kPermissionDenied:
      // This daemon's ZooKeeper credentials may not touch the znode.
      return {403, "permission_denied", 0};
    case StatusCode::kDeadlineExceeded:
      return {503, "deadline_exceeded", 1};
    case StatusCode::kFenced:
      return {409, "fenced", 0};
    case StatusCode::kInternal:
      // A bug or an unexpected ZooKeeper reply. The client did nothing
      // wrong, so a 4xx would lie (and a 404/410 could make it drop a live
      // session); 503 is the only 5xx allowed, and a retry (later, or on
      // another node) is the one thing a client can do.
      return {503, "internal", 5};
  }
  return {503, "internal", 5};  // An out-of-range code: same as kInternal.
}

Response StatusResponse(const Status& status, bool conditional) {
  const HttpStatus mapped = MapStatus(status, conditional);
  Response response;
  if (status.code() == StatusCode::kInternal || mapped.error == "internal") {
    LOG(ERROR) << "internal error answered with 503: " << status;
    response = ErrorResponse(mapped.code, mapped.error,
                             "internal error; see the server log");
  } else {
    response = ErrorResponse(mapped.code, mapped.error, status.message(),
                             status.outcome_unknown());
  }
  if (mapped.retry_after_s > 0) {
    response.headers.emplace_back("Retry-After",
                                  std::to_string(mapped.retry_after_s));
  }
  return response;
}

Response LeaseHeldResponse(const Lease& current) {
  nlohmann::ordered_json doc;
  doc["error"] = "lease_held";
  doc["message"] =
      "the session's lease is held by another holder; retry after expires_at";
  doc["holder"] = current.holder;
  doc["expires_at"] = current.expires_at_ms;
  Response response;
  response.status = 409;
  response.body =
      doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

}  // namespace sessionkeeper::server
