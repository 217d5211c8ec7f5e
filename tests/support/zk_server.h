// Test harness around zk-config/zkctl: real ZooKeeper servers on loopback,
// in a directory of their own, on ports picked so parallel runs do not
// collide.
#ifndef SESSIONKEEPER_TESTS_SUPPORT_ZK_SERVER_H_
#define SESSIONKEEPER_TESTS_SUPPORT_ZK_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sessionkeeper/result.h"

namespace sessionkeeper::testing {

// One standalone server or 3-server ensemble, stopped by the destructor.
class ZkServer {
 public:
  enum class Mode { kStandalone, kEnsemble };

  // Starts servers in a fresh temporary directory; returns once serving.
  static Result<std::unique_ptr<ZkServer>> Start(Mode mode);

  ~ZkServer();
  ZkServer(const ZkServer&) = delete;
  ZkServer& operator=(const ZkServer&) = delete;

  const std::string& connect_string() const { return connect_string_; }
  const std::string& dir() const { return dir_; }

  // Server numbers are 1..3 (1 for a standalone server).
  Status StopAll();
  Status Kill(int server);
  Status Pause(int server);
  Status Resume(int server);
  Status Restart(int server);
  Status StartServer(int server);
  // The number of the leading server.
  Result<int> Leader();

 private:
  ZkServer(Mode mode, std::string dir) : mode_(mode), dir_(std::move(dir)) {}
  Result<std::string> Run(const std::string& args);

  Mode mode_;
  std::string dir_;
  std::string connect_string_;
};

// The connect string of the server the CTest fixture started (directory in
// $SK_TEST_ZK_DIR); without the fixture, a private standalone server started
// once per process.
const std::string& SharedZkConnectString();

// A fresh znode path, unique to this process and call, for a test's data.
std::string UniqueTestPath(const std::string& label);

// The paths the server at `host_port` holds a watch on for ZooKeeper
// session `session_id`, from its "wchc" four-letter word (whitelisted in
// zk-config): what the server itself keeps, whatever the client believes.
Result<std::vector<std::string>> WatchedPathsOfSession(
    const std::string& host_port, int64_t session_id);

// Polls `done` every few milliseconds until it holds or `timeout` passes.
bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout);

}  // namespace sessionkeeper::testing

#endif  // SESSIONKEEPER_TESTS_SUPPORT_ZK_SERVER_H_
