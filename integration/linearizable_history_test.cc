// Scenario 10: four managers write and read three sessions, each used as a
// register (attribute "v": writes set values unique in the run, reads are
// linearizable Gets), while the ZooKeeper leader is killed. The recorded
// history of each session must be linearizable; writes of unknown outcome
// may or may not have taken effect, writes that failed must not have.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/ensemble_test.h"
#include "support/linearizability.h"
#include "support/workload.h"
#include "support/zk_server.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::PollUntil;
using std::chrono::milliseconds;

constexpr int kClients = 4;
constexpr int kSessions = 3;
constexpr int64_t kOpsBeforeKill = 60;
constexpr int64_t kOpsAfterKill = 150;
constexpr char kInitial[] = "initial";

int64_t Nanos(const History& history, HistoryClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t -
                                                              history.start())
      .count();
}

// The register operations of one session: what the checker needs to know.
std::vector<RegisterOp> RegisterHistory(const History& history,
                                        const std::vector<Operation>& ops,
                                        const std::string& session) {
  std::vector<RegisterOp> out;
  for (const Operation& op : ops) {
    if (op.session != session || op.attribute != "v") continue;
    const int64_t invoked = Nanos(history, op.invoked);
    if (op.kind == OpKind::kWrite && op.outcome == OpOutcome::kOk) {
      out.push_back(RegisterOp::Write(op.index, *op.value, invoked,
                                      Nanos(history, op.completed)));
    } else if (op.kind == OpKind::kWrite && op.outcome == OpOutcome::kUnknown) {
      out.push_back(
          RegisterOp::Write(op.index, *op.value, invoked, std::nullopt));
    } else if (op.kind == OpKind::kRead && op.outcome == OpOutcome::kOk) {
      out.push_back(RegisterOp::Read(op.index, op.value, invoked,
                                     Nanos(history, op.completed)));
    }
    // Failed operations had no effect: a read of a failed write's value
    // then has no write to explain it, and the checker rejects it.
  }
  return out;
}

class LinearizableHistoryTest : public EnsembleTest {};

TEST_F(LinearizableHistoryTest,
       EachSessionStaysLinearizableThroughALeaderKill) {
  std::vector<std::unique_ptr<RecordedManager>> clients;
  std::vector<RecordedManager*> workers;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(OpenClient(c));
    ASSERT_NE(clients.back(), nullptr);
    workers.push_back(clients.back().get());
  }
  std::vector<std::string> sessions;
  for (int s = 0; s < kSessions; ++s) {
    Result<Session> created = clients[0]->Create("v", kInitial);
    ASSERT_TRUE(created.ok()) << created.status();
    sessions.push_back(created->id);
  }
  const auto completed_since = [&](HistoryClock::time_point from) {
    return history().Count([from](const Operation& op) {
      return (op.is_write() || op.kind == OpKind::kRead) && op.ok() &&
             op.invoked >= from;
    });
  };

  WorkloadOptions options;
  options.sessions = sessions;
  options.values = WorkloadOptions::Values::kRegister;
  options.read_fraction = 0.5;
  options.pause_between_calls = milliseconds(5);
  ExpectEveryClientSees(workers, sessions);
  Workload load(workers, options);
  ASSERT_TRUE(PollUntil(
      [&] { return completed_since(history().start()) >= kOpsBeforeKill; },
      milliseconds(30000)));
  Result<int> leader = Leader();
  ASSERT_TRUE(leader.ok()) << leader.status();
  Result<HistoryClock::time_point> killed = KillServer(*leader);
  ASSERT_TRUE(killed.ok()) << killed.status();
  EXPECT_TRUE(
      PollUntil([&] { return completed_since(*killed) >= kOpsAfterKill; },
                milliseconds(30000)))
      << "operations did not resume after the leader kill";
  load.Stop();
  history().Note("load stopped");
  // Every client reads every session once more, after everything settled.
  for (RecordedManager* client : workers) {
    for (const std::string& id : sessions) {
      (void)client->Read(id, "v", ReadConsistency::kLinearizable);
    }
  }

  const std::vector<Operation> ops = history().Snapshot();
  size_t checked = 0;
  size_t unknown_writes = 0;
  size_t states = 0;
  int non_linearizable = 0;
  for (const std::string& id : sessions) {
    const std::vector<RegisterOp> reg = RegisterHistory(history(), ops, id);
    const LinearizabilityResult result =
        CheckRegisterHistory(std::string(kInitial), reg);
    checked += reg.size();
    states += result.states_explored;
    for (const RegisterOp& op : reg) unknown_writes += op.completed ? 0 : 1;
    if (!result.linearizable()) {
      ++non_linearizable;
      FlagSession(id);
      ADD_FAILURE() << "session " << id.substr(0, 6) << " (" << reg.size()
                    << " operations) is not linearizable: "
                    << result.explanation;
    }
  }
  int64_t failed = 0;
  for (const Operation& op : ops) {
    if ((op.kind != OpKind::kRead && !op.is_write()) || op.ok()) continue;
    ++failed;
    // Faults may only surface as Unavailable (README: error model).
    if (op.code != StatusCode::kUnavailable) {
      FlagSession(op.session);
      ADD_FAILURE() << "failed with a code other than Unavailable: "
                    << history().FormatOp(op);
    }
  }
  ReportFigures(
      "linearizable_history",
      "operations_checked=" + std::to_string(checked) +
          " unknown_writes=" + std::to_string(unknown_writes) +
          " failed_ops=" + std::to_string(failed) +
          " states_explored=" + std::to_string(states) +
          " sessions_not_linearizable=" + std::to_string(non_linearizable));
}

}  // namespace
}  // namespace sessionkeeper::integration
