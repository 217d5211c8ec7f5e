// The one place that turns ZooKeeper C client return codes into Status.
#ifndef SESSIONKEEPER_ZK_ERROR_MAPPING_H_
#define SESSIONKEEPER_ZK_ERROR_MAPPING_H_

#include <string_view>

#include "sessionkeeper/status.h"

namespace sessionkeeper::zk {

enum class OpKind { kRead, kWrite };

// How the layers above should treat one ZooKeeper return code.
struct ZkErrorInfo {
  StatusCode code = StatusCode::kInternal;
  // Retrying the same call may succeed (after reconnecting).
  bool retryable = false;
  // For a write: the request may have reached the server and been applied
  // even though no reply arrived.
  bool outcome_unknown = false;
};

ZkErrorInfo ClassifyZkError(int rc);

// OK for ZOK; otherwise a Status whose message is "<context>: <zerror(rc)>".
// outcome_unknown is set only for writes.
Status StatusFromZk(int rc, std::string_view context, OpKind kind);

}  // namespace sessionkeeper::zk

#endif  // SESSIONKEEPER_ZK_ERROR_MAPPING_H_
