// The one place where a library Status becomes an HTTP status. The service
// answers no 5xx other than 503, whatever the input.
#ifndef SESSIONKEEPER_SERVER_STATUS_MAPPING_H_
#define SESSIONKEEPER_SERVER_STATUS_MAPPING_H_

#include <string_view>

#include "server/response.h"
#include "sessionkeeper/lease.h"
#include "sessionkeeper/status.h"

namespace sessionkeeper::server {

struct HttpStatus {
  int code = 200;
  // Machine-readable error code for the JSON body ("" for OK).
  std::string_view error;
  // Seconds for a Retry-After header; 0: none.
  int retry_after_s = 0;
};

// `conditional`: the request carried If-Match, so Aborted means its
// precondition failed (412) rather than a lost race the client may retry
// (409). See docs/http.md for the reasoning behind every row.
HttpStatus MapStatus(const Status& status, bool conditional);

// The JSON error response for a non-OK `status` (via MapStatus). Internal
// errors are logged here and answered with a generic message.
Response StatusResponse(const Status& status, bool conditional);

// 409 {"error": "lease_held", "message", "holder", "expires_at"}: an
// acquisition refused because `current` (another holder's lease, until its
// expires_at) holds the session. Not a Status (AcquireLease reports it as
// a value), but answered here next to Fenced, the other lease 409.
Response LeaseHeldResponse(const Lease& current);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_STATUS_MAPPING_H_
