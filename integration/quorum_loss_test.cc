// Scenario 3: two of the three servers die (the quorum is gone) while
// managers write, then come back. While the quorum is gone no write is
// reported successful: each fails or is held until recovery. After the
// recovery every acknowledged write is there with its value. Reads made
// while the quorum is gone fail as Unavailable, and work again after.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/ensemble_test.h"
#include "support/workload.h"
#include "support/write_audit.h"
#include "support/zk_server.h"
#include "zk/client.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::PollUntil;
using std::chrono::milliseconds;

constexpr int kManagers = 3;
constexpr int kSessions = 4;
constexpr int64_t kAcksBeforeLoss = 30;
constexpr int64_t kAcksAfterRecovery = 30;
// Longer than the managers' operation timeout, so writes invoked early in
// the outage give up (Unavailable) and the workers try again within it,
// while writes invoked late in it are held until the recovery.
constexpr auto kOutage = std::chrono::seconds(5);
constexpr auto kOperationTimeout = milliseconds(3000);
// A reply to a write committed just before the second kill may still be on
// its way for a moment; nothing can commit once both followers are gone.
constexpr auto kReplyGrace = milliseconds(1000);

class QuorumLossTest : public EnsembleTest {};

TEST_F(QuorumLossTest, NoWriteSucceedsWithoutAQuorumAndNoneIsLostAfter) {
  std::vector<std::unique_ptr<RecordedManager>> clients;
  std::vector<RecordedManager*> writers;
  for (int c = 0; c < kManagers; ++c) {
    SessionManagerOptions manager_options = Options(c);
    manager_options.operation_timeout = kOperationTimeout;
    clients.push_back(OpenClient(c, manager_options));
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
      [&] { return acknowledged_since(history().start()) >= kAcksBeforeLoss; },
      milliseconds(30000)));

  // Kill both followers: the leader is left alone, first still leading
  // (until it misses syncLimit ticks of acks) and then looking for peers.
  // Neither phase may acknowledge a write.
  Result<int> leader = Leader();
  ASSERT_TRUE(leader.ok()) << leader.status();
  std::vector<int> followers;
  for (int n = 1; n <= 3; ++n) {
    if (n != *leader) followers.push_back(n);
  }
  ASSERT_TRUE(KillServer(followers[0]).ok());
  Result<HistoryClock::time_point> lost = KillServer(followers[1]);
  ASSERT_TRUE(lost.ok()) << lost.status();
  std::this_thread::sleep_for(kOutage);  // The outage under load.
  const HistoryClock::time_point recovering =
      history().Note("quorum outage over; restarting the followers");
  ASSERT_TRUE(StartServer(followers[0]).ok());
  ASSERT_TRUE(StartServer(followers[1]).ok());
  PollUntil(
      [&] { return acknowledged_since(recovering) >= kAcksAfterRecovery; },
      milliseconds(30000));
  load.Stop();
  history().Note("load stopped");

  const std::vector<Operation> during = history().Snapshot();
  int64_t attempted_in_outage = 0;
  int64_t held_until_recovery = 0;
  for (const Operation& op : during) {
    if (!op.is_write()) continue;
    const bool invoked_in_outage =
        op.invoked >= *lost && op.invoked < recovering;
    attempted_in_outage += invoked_in_outage ? 1 : 0;
    if (!op.ok()) continue;
    if (invoked_in_outage && op.completed >= recovering) ++held_until_recovery;
    // Invoked during the outage, or answered well after it began, yet
    // acknowledged before any server came back.
    if (op.completed < recovering &&
        (invoked_in_outage || op.completed >= *lost + kReplyGrace)) {
      FlagSession(op.session);
      ADD_FAILURE() << "write acknowledged while the quorum was gone: "
                    << history().FormatOp(op);
    }
  }
  EXPECT_GT(attempted_in_outage, 0) << "the outage saw no write attempts";

  Result<StoredAttributes> stored = ReadFinalState(*clients[2], sessions);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const WriteAudit audit = AuditWrites(history().Snapshot(), *stored);
  ExpectClean(audit);
  EXPECT_TRUE(audit.clean()) << audit.Summary();
  EXPECT_GE(acknowledged_since(recovering), kAcksAfterRecovery)
      << "writes did not resume after the quorum came back";
  ReportFigures(
      "quorum_loss",
      audit.Summary() +
          " attempted_in_outage=" + std::to_string(attempted_in_outage) +
          " held_until_recovery=" + std::to_string(held_until_recovery));
}

TEST_F(QuorumLossTest, ReadsFailUnavailableWhileTheQuorumIsGone) {
  std::unique_ptr<RecordedManager> client = OpenClient(0);
  ASSERT_NE(client, nullptr);
  Result<Session> created = client->Create("v", "0");
  ASSERT_TRUE(created.ok()) << created.status();
  FlagSession(created->id);
  Result<int> leader = Leader();
  ASSERT_TRUE(leader.ok()) << leader.status();
  std::vector<int> followers;
  for (int n = 1; n <= 3; ++n) {
    if (n != *leader) followers.push_back(n);
  }
  ASSERT_TRUE(KillServer(followers[0]).ok());
  ASSERT_TRUE(KillServer(followers[1]).ok());
  // The lone leader gives up after syncLimit ticks and drops its clients;
  // from then on no server serves this client. Until then it still serves
  // (a client that lost a killed follower may reconnect to it), so wait
  // for the step-down itself, not just for a disconnect.
  zk::Client& zk = client->zk_client();
  ASSERT_TRUE(PollUntil([&] { return !ensemble().Leader().ok(); },
                        milliseconds(15000)));
  ASSERT_TRUE(
      PollUntil([&] { return zk.state() != zk::ConnectionState::kConnected; },
                milliseconds(15000)));
  history().Note("no leader; client 0 disconnected");

  for (ReadConsistency level :
       {ReadConsistency::kLinearizable, ReadConsistency::kSequential,
        ReadConsistency::kCached}) {
    Result<Session> read = client->Read(created->id, "v", level);
    EXPECT_TRUE(read.status().IsUnavailable()) << read.status();
  }

  ASSERT_TRUE(StartServer(followers[0]).ok());
  ASSERT_TRUE(StartServer(followers[1]).ok());
  ASSERT_TRUE(zk.WaitConnected(milliseconds(20000)).ok());
  Result<Session> read =
      client->Read(created->id, "v", ReadConsistency::kLinearizable);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->attributes.at("v"), "0");
}

}  // namespace
}  // namespace sessionkeeper::integration
