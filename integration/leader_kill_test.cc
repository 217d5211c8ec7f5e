// Scenario 1: the ZooKeeper leader is SIGKILLed while several managers (each
// its own ZooKeeper handle) write. Every acknowledged write is still there
// with its value, writes whose outcome is unknown are reported so and never
// as success, and writes resume within 10 s.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/ensemble_test.h"
#include "support/workload.h"
#include "support/write_audit.h"
#include "support/zk_server.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::PollUntil;
using std::chrono::milliseconds;

constexpr int kManagers = 3;
constexpr int kSessions = 6;
constexpr int64_t kAcksBeforeKill = 30;
constexpr int64_t kAcksAfterKill = 60;
constexpr auto kResumeLimit = std::chrono::seconds(10);

class LeaderKillTest : public EnsembleTest {};

TEST_F(LeaderKillTest, AcknowledgedWritesSurviveAndWritesResumeWithin10s) {
  std::vector<std::unique_ptr<RecordedManager>> clients;
  std::vector<RecordedManager*> writers;
  for (int c = 0; c < kManagers; ++c) {
    clients.push_back(OpenClient(c));
    ASSERT_NE(clients.back(), nullptr);
    writers.push_back(clients.back().get());
  }
  std::vector<std::string> sessions;
  for (int s = 0; s < kSessions; ++s) {
    Result<Session> created = clients[0]->Create("seed", "0");
    ASSERT_TRUE(created.ok()) << created.status();
    sessions.push_back(created->id);
  }
  const auto acknowledged_since = [&](HistoryClock::time_point from) {
    return history().Count([from](const Operation& op) {
      return op.is_write() && op.ok() && op.invoked >= from;
    });
  };

  WorkloadOptions options;
  options.sessions = sessions;
  options.workers_per_manager = 2;
  ExpectEveryClientSees(writers, sessions);
  Workload load(writers, options);
  ASSERT_TRUE(PollUntil(
      [&] { return acknowledged_since(history().start()) >= kAcksBeforeKill; },
      milliseconds(30000)));
  Result<int> leader = Leader();
  ASSERT_TRUE(leader.ok()) << leader.status();
  Result<HistoryClock::time_point> killed = KillServer(*leader);
  ASSERT_TRUE(killed.ok()) << killed.status();
  // Keep writing until enough writes started after the kill got through;
  // if they never do, the resume check below fails with the history.
  PollUntil([&] { return acknowledged_since(*killed) >= kAcksAfterKill; },
            milliseconds(25000));
  load.Stop();
  history().Note("load stopped");

  Result<StoredAttributes> stored = ReadFinalState(*clients[1], sessions);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::vector<Operation> ops = history().Snapshot();
  const WriteAudit audit = AuditWrites(ops, *stored);
  ExpectClean(audit);
  EXPECT_TRUE(audit.clean()) << audit.Summary();

  // Resumed: the first acknowledgement of a write invoked after the kill
  // (one invoked before might have committed before the kill).
  std::optional<HistoryClock::duration> resumed_after;
  int64_t in_flight_at_kill = 0;
  for (const Operation& op : ops) {
    if (!op.is_write()) continue;
    if (op.invoked < *killed && op.completed > *killed) ++in_flight_at_kill;
    if (op.ok() && op.invoked >= *killed &&
        (!resumed_after || op.completed - *killed < *resumed_after)) {
      resumed_after = op.completed - *killed;
    }
  }
  ASSERT_TRUE(resumed_after.has_value())
      << "no write invoked after the leader kill was acknowledged";
  EXPECT_LT(*resumed_after, kResumeLimit);
  const auto resume_ms =
      std::chrono::duration_cast<milliseconds>(*resumed_after).count();
  ReportFigures("leader_kill", audit.Summary() + " in_flight_at_kill=" +
                                   std::to_string(in_flight_at_kill) +
                                   " resume_ms=" + std::to_string(resume_ms));
}

}  // namespace
}  // namespace sessionkeeper::integration
