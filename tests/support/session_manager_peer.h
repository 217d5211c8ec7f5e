// Test access to a SessionManager's internals (its ZooKeeper client and
// store), for fault injection and for checking what was written.
#ifndef SESSIONKEEPER_TESTS_SUPPORT_SESSION_MANAGER_PEER_H_
#define SESSIONKEEPER_TESTS_SUPPORT_SESSION_MANAGER_PEER_H_

#include "session/manager_impl.h"
#include "sessionkeeper/session_manager.h"

namespace sessionkeeper {

class SessionManagerTestPeer {
 public:
  static zk::Client& client(SessionManager& manager) {
    return *manager.impl_->client_;
  }
  static store::SessionStore& store(SessionManager& manager) {
    return *manager.impl_->store_;
  }
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_TESTS_SUPPORT_SESSION_MANAGER_PEER_H_
