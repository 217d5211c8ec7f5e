// EnsembleTest: the fixture of every fault scenario. Each test gets a fresh
// 3-server ZooKeeper ensemble on loopback (its own directory and ports, so
// scenarios never share state) and a History. Faults are injected through
// methods that note them in the history; when a test fails, its history is
// printed (the flagged sessions, or the tail) and saved whole to
// <Suite>.<Case>.history.txt in the working directory (also on success when
// SK_KEEP_HISTORY is set).
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_ENSEMBLE_TEST_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_ENSEMBLE_TEST_H_

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sessionkeeper/options.h"
#include "support/history.h"
#include "support/recorded_manager.h"
#include "support/write_audit.h"
#include "support/zk_server.h"

namespace sessionkeeper::integration {

class EnsembleTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  testing::ZkServer& ensemble() { return *ensemble_; }
  const std::string& connect_string() const {
    return ensemble_->connect_string();
  }
  History& history() { return history_; }

  // Options for a manager of this test's root on the ensemble.
  SessionManagerOptions Options(int client) const;
  // A recorded manager, or nullptr after failing the test.
  std::unique_ptr<RecordedManager> OpenClient(int client,
                                              SessionManagerOptions options);
  std::unique_ptr<RecordedManager> OpenClient(int client) {
    return OpenClient(client, Options(client));
  }

  // Faults, each noted in the history. They return when the fault has taken
  // effect (a killed server is gone, a started one serves), with that time.
  Result<HistoryClock::time_point> KillServer(int server);
  Result<HistoryClock::time_point> PauseServer(int server);
  Result<HistoryClock::time_point> ResumeServer(int server);
  Result<HistoryClock::time_point> StartServer(int server);
  Result<int> Leader();
  // The number (1..3) of the server `client` is connected to.
  Result<int> ServerOf(RecordedManager& client);

  // Reads every session with linearizable reads through `reader`, retrying
  // each for up to `timeout` while ZooKeeper recovers.
  Result<StoredAttributes> ReadFinalState(
      RecordedManager& reader, const std::vector<std::string>& sessions,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

  // Every client reads every session (linearizable), so each client's
  // ZooKeeper server is known to have them before a load starts. Without
  // it, a write right after another client's create may find its server
  // lagging and fail NotFound: a library bug that CrossNodeTest covers,
  // kept out of the scenarios that check other things.
  void ExpectEveryClientSees(const std::vector<RecordedManager*>& clients,
                             const std::vector<std::string>& sessions);

  // Shows this session's operations if the test fails.
  void FlagSession(const std::string& id) { flagged_.insert(id); }
  // Fails the test with each violation, flagging its session.
  void ExpectClean(const WriteAudit& audit);
  // Prints the scenario's figures ("[figures] <scenario> key=value...") and
  // records them as test properties.
  void ReportFigures(const std::string& scenario, const std::string& figures);

 private:
  Result<HistoryClock::time_point> Fault(const std::string& what,
                                         const Status& done);

  std::unique_ptr<testing::ZkServer> ensemble_;
  std::string root_;
  History history_;
  std::set<std::string> flagged_;
};

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_ENSEMBLE_TEST_H_
