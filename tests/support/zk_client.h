// Opening connected zk::Clients in tests.
#ifndef SESSIONKEEPER_TESTS_SUPPORT_ZK_CLIENT_H_
#define SESSIONKEEPER_TESTS_SUPPORT_ZK_CLIENT_H_

#include <memory>
#include <string>

#include "zk/client.h"

namespace sessionkeeper::testing {

// Opens a client with `options` (connect string defaulting to the shared
// server) and waits up to 15 s for it to connect; fails the test otherwise
// (returns nullptr after recording the failure).
std::unique_ptr<zk::Client> OpenConnectedClient(zk::ClientOptions options = {});

}  // namespace sessionkeeper::testing

#endif  // SESSIONKEEPER_TESTS_SUPPORT_ZK_CLIENT_H_
