// Test hook: force the server to expire a client's ZooKeeper session, the
// documented way (a second handle on the same session id and password,
// which is then closed).
#ifndef SESSIONKEEPER_ZK_TESTING_EXPIRE_SESSION_H_
#define SESSIONKEEPER_ZK_TESTING_EXPIRE_SESSION_H_

#include <chrono>
#include <string>

#include "sessionkeeper/status.h"
#include "zk/client.h"

namespace sessionkeeper::zk {

// Connects to `connect_string` with `session`'s id and password, waits until
// that handle is connected, then closes it: the server ends the session, and
// the original handle learns of the expiry on its next contact. Returns once
// a further handle on the session is told it expired (NotFound when the
// first one already was).
Status ExpireSessionForTesting(const std::string& connect_string,
                               const Client::SessionCredentials& session,
                               std::chrono::milliseconds timeout);

}  // namespace sessionkeeper::zk

#endif  // SESSIONKEEPER_ZK_TESTING_EXPIRE_SESSION_H_
