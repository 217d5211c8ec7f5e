// Scenario 4: a manager's ZooKeeper session is expired by force (the
// documented way: a second handle on the same session, then closed). The
// manager opens exactly one new handle and keeps working; no read it serves
// afterwards is stale, although another manager changed the session while
// it was re-creating its handle; and writes in flight across the expiry are
// acknowledged, failed or unknown, never lost.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/ensemble_test.h"
#include "support/expiry_counter.h"
#include "support/workload.h"
#include "support/write_audit.h"
#include "support/zk_server.h"
#include "zk/client.h"
#include "zk/testing/expire_session.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::PollUntil;
using std::chrono::milliseconds;
using zk::ConnectionState;

constexpr int kExpiryAttempts = 3;
constexpr char kExpiryDidNotHappen[] = "expiry did not happen";
// A session the server ended is noticed at the client's next contact with
// it (at once under load, within a ping interval when idle).
constexpr auto kNewHandleWait = milliseconds(10000);

class SessionExpiryTest : public EnsembleTest {
 protected:
  // Expires `client`'s ZooKeeper session through the ensemble. On a retry
  // (`again`), a session the server already ended is fine: the earlier
  // attempt worked and the client has not noticed yet.
  void ExpireSessionOf(RecordedManager& client, bool again = false) {
    auto credentials = client.zk_client().session_credentials();
    ASSERT_TRUE(credentials.has_value());
    history().Note("expiring the ZooKeeper session of client " +
                   std::to_string(client.client()));
    const Status expired = zk::ExpireSessionForTesting(
        connect_string(), *credentials, milliseconds(10000));
    if (again && expired.IsNotFound()) {
      history().Note("the session of client " +
                     std::to_string(client.client()) + " had already ended");
      return;
    }
    ASSERT_TRUE(expired.ok()) << expired;
    history().Note("ExpireSessionForTesting returned for client " +
                   std::to_string(client.client()));
  }

  int64_t FailedExpiryAttempts() {
    return history().Count([](const Operation& op) {
      return op.kind == OpKind::kFault &&
             op.status.find(kExpiryDidNotHappen) != std::string::npos;
    });
  }

  // Expires `client`'s session and waits until it runs on a new handle;
  // runs `meanwhile` (if any) right after the first expiry request.
  //
  // ExpireSessionForTesting can report success for a session that lives
  // on: its second handle takes the session over, which drops the
  // client's connection; the client reconnects with the session at once
  // and takes it back before the second handle's close, which then does
  // not end it. (Seen under load: the client kept writing on its first
  // session for 30 s.) So a session still alive after a while is expired
  // again, and the history says so.
  bool ExpireAndWaitForNewHandle(RecordedManager& client,
                                 const std::function<void()>& meanwhile) {
    zk::Client& zk = client.zk_client();
    const uint64_t generation = zk.generation();
    for (int attempt = 0; attempt < kExpiryAttempts; ++attempt) {
      ExpireSessionOf(client, /*again=*/attempt > 0);
      if (HasFatalFailure()) return false;
      if (attempt == 0 && meanwhile) meanwhile();
      if (PollUntil(
              [&] {
                return zk.generation() > generation &&
                       zk.state() == ConnectionState::kConnected;
              },
              kNewHandleWait)) {
        return true;
      }
      history().Note("client " + std::to_string(client.client()) +
                     " still on its first session: " + kExpiryDidNotHappen);
    }
    return false;
  }
};

TEST_F(SessionExpiryTest, OneNewHandleAndNoStaleReadAfterAForcedExpiry) {
  std::unique_ptr<RecordedManager> expiring = OpenClient(0);
  std::unique_ptr<RecordedManager> other = OpenClient(1);
  ASSERT_NE(expiring, nullptr);
  ASSERT_NE(other, nullptr);
  Result<Session> created = other->Create("v", "0");
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->id;
  FlagSession(id);
  Result<Session> seen =
      expiring->Read(id, "v", ReadConsistency::kLinearizable);
  ASSERT_TRUE(seen.ok()) << seen.status();

  zk::Client& zk = expiring->zk_client();
  ExpiryCounter expiries(zk);
  ASSERT_EQ(zk.handles_opened(), 1u);
  const uint64_t generation = zk.generation();
  // Changed by another manager while the expired one replaces its handle.
  Result<Session> changed = Status::Internal("not written");
  ASSERT_TRUE(ExpireAndWaitForNewHandle(
      *expiring, [&] { changed = other->Write(id, "v", "1"); }));
  ASSERT_TRUE(changed.ok()) << changed.status();

  // The default level first: whatever it serves must not go back in time
  // for this manager. The client's state says connected before the
  // manager's callback thread has handled that event; until it has, a
  // cached read answers Unavailable (never a stale copy), so poll past it.
  Result<Session> cached = Status::Internal("not read");
  ASSERT_TRUE(PollUntil(
      [&] {
        cached = expiring->Read(id, "v", ReadConsistency::kCached);
        return !cached.status().IsUnavailable();
      },
      kNewHandleWait))
      << cached.status();
  ASSERT_TRUE(cached.ok()) << cached.status();
  EXPECT_GE(cached->version, seen->version);
  // A linearizable read is current; after it every level is.
  for (ReadConsistency level :
       {ReadConsistency::kLinearizable, ReadConsistency::kSequential,
        ReadConsistency::kCached}) {
    Result<Session> read = expiring->Read(id, "v", level);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->attributes.at("v"), "1");
    EXPECT_EQ(read->version, changed->version);
  }

  // It keeps working, and the other manager sees its writes.
  Result<Session> written = expiring->Write(id, "v", "2");
  ASSERT_TRUE(written.ok()) << written.status();
  Result<Session> seen_by_other =
      other->Read(id, "v", ReadConsistency::kLinearizable);
  ASSERT_TRUE(seen_by_other.ok()) << seen_by_other.status();
  EXPECT_EQ(seen_by_other->attributes.at("v"), "2");

  // Exactly one session loss, exactly one new handle.
  EXPECT_EQ(zk.handles_opened(), 2u);
  EXPECT_EQ(zk.generation(), generation + 1);
  EXPECT_EQ(expiries.count(), 1);
  ReportFigures("forced_expiry",
                "handles_opened=" + std::to_string(zk.handles_opened()) +
                    " expiries=" + std::to_string(expiries.count()) +
                    " first_read_current=" +
                    (cached->version == changed->version ? "yes" : "no") +
                    " expiry_attempts_that_did_not_expire=" +
                    std::to_string(FailedExpiryAttempts()));
}

TEST_F(SessionExpiryTest, WritesInFlightAcrossAForcedExpiryAreNeverLost) {
  std::unique_ptr<RecordedManager> expiring = OpenClient(0);
  std::unique_ptr<RecordedManager> other = OpenClient(1);
  ASSERT_NE(expiring, nullptr);
  ASSERT_NE(other, nullptr);
  std::vector<std::string> sessions;
  for (int s = 0; s < 3; ++s) {
    Result<Session> created = other->Create("seed", "0");
    ASSERT_TRUE(created.ok()) << created.status();
    sessions.push_back(created->id);
  }
  const auto acknowledged_by = [&](int client) {
    return history().Count([client](const Operation& op) {
      return op.is_write() && op.ok() && op.client == client;
    });
  };
  zk::Client& zk = expiring->zk_client();
  const uint64_t generation = zk.generation();

  WorkloadOptions options;
  options.sessions = sessions;
  options.workers_per_manager = 3;
  options.pause_between_calls = milliseconds(2);
  const std::vector<RecordedManager*> clients = {expiring.get(), other.get()};
  ExpectEveryClientSees(clients, sessions);
  Workload load(clients, options);
  ASSERT_TRUE(
      PollUntil([&] { return acknowledged_by(0) >= 30; }, milliseconds(30000)));
  ASSERT_TRUE(ExpireAndWaitForNewHandle(*expiring, nullptr));
  const int64_t before = acknowledged_by(0);
  EXPECT_TRUE(PollUntil([&] { return acknowledged_by(0) >= before + 30; },
                        milliseconds(30000)))
      << "the expired manager stopped acknowledging writes";
  load.Stop();
  history().Note("load stopped");

  Result<StoredAttributes> stored = ReadFinalState(*other, sessions);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const WriteAudit audit = AuditWrites(history().Snapshot(), *stored);
  ExpectClean(audit);
  EXPECT_TRUE(audit.clean()) << audit.Summary();
  EXPECT_EQ(zk.handles_opened(), 2u);
  EXPECT_EQ(zk.generation(), generation + 1);
  ReportFigures("forced_expiry_under_load",
                audit.Summary() +
                    " handles_opened=" + std::to_string(zk.handles_opened()) +
                    " expiry_attempts_that_did_not_expire=" +
                    std::to_string(FailedExpiryAttempts()));
}

}  // namespace
}  // namespace sessionkeeper::integration
