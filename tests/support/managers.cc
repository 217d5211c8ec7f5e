// Opening SessionManagers in tests.
#include "support/managers.h"

#include <gtest/gtest.h>

#include "support/zk_server.h"

namespace sessionkeeper::testing {

SessionManagerOptions ManagerOptions(const std::string& root) {
  SessionManagerOptions options;
  options.connect_string = SharedZkConnectString();
  options.root = root;
  options.bucket_count = 16;
  return options;
}

std::unique_ptr<SessionManager> OpenManager(
    const SessionManagerOptions& options) {
  Result<std::unique_ptr<SessionManager>> manager =
      SessionManager::Open(options);
  if (!manager.ok()) {
    ADD_FAILURE() << "SessionManager::Open: " << manager.status();
    return nullptr;
  }
  return std::move(*manager);
}

}  // namespace sessionkeeper::testing
