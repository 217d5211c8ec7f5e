// Opening SessionManagers on the shared test server, each test under a root
// of its own.
#ifndef SESSIONKEEPER_TESTS_SUPPORT_MANAGERS_H_
#define SESSIONKEEPER_TESTS_SUPPORT_MANAGERS_H_

#include <memory>
#include <string>

#include "sessionkeeper/session_manager.h"

namespace sessionkeeper::testing {

// Options for a manager on the shared server under `root`, with small
// bucket counts so each test's layout is quick to create.
SessionManagerOptions ManagerOptions(const std::string& root);

// Opens a manager or fails the test (returning nullptr).
std::unique_ptr<SessionManager> OpenManager(
    const SessionManagerOptions& options);

}  // namespace sessionkeeper::testing

#endif  // SESSIONKEEPER_TESTS_SUPPORT_MANAGERS_H_
