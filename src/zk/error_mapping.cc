// ZooKeeper return code -> Status, with retryability and write ambiguity.
#include "zk/error_mapping.h"

#include <zookeeper/zookeeper.h>

#include <string>

namespace sessionkeeper::zk {

ZkErrorInfo ClassifyZkError(int rc) {
  switch (rc) {
    case ZOK:
      return {StatusCode::kOk, false, false};
    // The request may have been sent and applied before the reply was lost,
    // or before the handle closed under it.
    case ZCONNECTIONLOSS:
    case ZOPERATIONTIMEOUT:
    case ZSESSIONEXPIRED:
    case ZSESSIONMOVED:
    case ZCLOSING:
    // As a whole operation's result: the C client saw replies out of order,
    // closed the connection and failed everything pending on it. (Inside a
    // multi it marks rolled-back operations; client.cc maps those itself.)
    case ZRUNTIMEINCONSISTENCY:
      return {StatusCode::kUnavailable, true, true};
    // Refused before anything reached the server.
    case ZINVALIDSTATE:
    case ZTHROTTLEDOP:
    case ZNOTREADONLY:
    case ZNEWCONFIGNOQUORUM:
    case ZRECONFIGINPROGRESS:
    case ZSSLCONNECTIONERROR:
      return {StatusCode::kUnavailable, true, false};
    case ZNONODE:
    case ZNOWATCHER:
      return {StatusCode::kNotFound, false, false};
    case ZNODEEXISTS:
      return {StatusCode::kAlreadyExists, false, false};
    case ZBADVERSION:
      return {StatusCode::kAborted, false, false};
    case ZNOTEMPTY:
    case ZNOCHILDRENFOREPHEMERALS:
    case ZEPHEMERALONLOCALSESSION:
    case ZRECONFIGDISABLED:
      return {StatusCode::kFailedPrecondition, false, false};
    case ZNOAUTH:
    case ZAUTHFAILED:
    case ZSESSIONCLOSEDREQUIRESASLAUTH:
      return {StatusCode::kPermissionDenied, false, false};
    case ZBADARGUMENTS:
    case ZINVALIDACL:
    case ZINVALIDCALLBACK:
      return {StatusCode::kInvalidArgument, false, false};
    case ZDATAINCONSISTENCY:
      return {StatusCode::kDataLoss, false, false};
    default:  // ZSYSTEMERROR, ZMARSHALLINGERROR, ZAPIERROR, ZUNIMPLEMENTED...
      return {StatusCode::kInternal, false, false};
  }
}

Status StatusFromZk(int rc, std::string_view context, OpKind kind) {
  if (rc == ZOK) return Status::Ok();
  const ZkErrorInfo info = ClassifyZkError(rc);
  std::string msg(context);
  msg += ": ";
  msg += zerror(rc);
  return {info.code, msg, kind == OpKind::kWrite && info.outcome_unknown};
}

}  // namespace sessionkeeper::zk
