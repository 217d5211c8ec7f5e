// Leases and fencing on a real ZooKeeper: contention, TTL takeover, tokens
// that only grow, fenced writes that change nothing once stale, leases that
// die with their holder's ZooKeeper session, and bad input.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sessionkeeper/clock.h"
#include "sessionkeeper/session_manager.h"
#include "support/managers.h"
#include "support/session_manager_peer.h"
#include "support/zk_client.h"
#include "support/zk_server.h"
#include "zk/testing/expire_session.h"

namespace sessionkeeper {
namespace {

using ::sessionkeeper::testing::ManagerOptions;
using ::sessionkeeper::testing::OpenConnectedClient;
using ::sessionkeeper::testing::OpenManager;
using ::sessionkeeper::testing::PollUntil;
using ::sessionkeeper::testing::UniqueTestPath;
using std::chrono::milliseconds;

constexpr milliseconds kTtl{1000};

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = UniqueTestPath("lease");
    a_ = Open();
    b_ = Open();
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    Result<Session> created = a_->Create({});
    ASSERT_TRUE(created.ok()) << created.status();
    id_ = created->id;
  }

  std::unique_ptr<SessionManager> Open() {
    SessionManagerOptions options = ManagerOptions(root_);
    options.clock = &clock_;  // Shared: TTLs pass when the test says so.
    return OpenManager(options);
  }

  // The stored value of attribute "k", read linearizably through b_.
  std::string Stored(const std::string& id) {
    Result<Session> s = b_->Get(id, ReadConsistency::kLinearizable);
    if (!s.ok()) return "<" + s.status().ToString() + ">";
    auto it = s->attributes.find("k");
    return it == s->attributes.end() ? "" : it->second;
  }

  static Mutation Set(const std::string& value, int64_t token) {
    Mutation m;
    m.set["k"] = value;
    m.lease_token = token;
    return m;
  }

  ManualClock clock_;
  std::string root_;
  std::unique_ptr<SessionManager> a_;
  std::unique_ptr<SessionManager> b_;
  std::string id_;
};

TEST_F(LeaseTest, ASecondHolderIsToldWhoHoldsItAndUntilWhen) {
  Result<LeaseAttempt> first = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->acquired);
  EXPECT_EQ(first->lease.token, 1) << "the first lease of a session";
  EXPECT_EQ(first->lease.holder, "alice");
  EXPECT_EQ(first->lease.expires_at_ms, clock_.NowMillis() + kTtl.count());

  Result<LeaseAttempt> second = b_->AcquireLease(id_, "bob", kTtl);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->acquired);
  EXPECT_EQ(second->lease.holder, "alice");
  EXPECT_EQ(second->lease.expires_at_ms, first->lease.expires_at_ms);
  EXPECT_EQ(second->lease.token, 0) << "another holder's token is not shown";
  EXPECT_EQ(b_->stats().lifecycle.leases_contended, 1u);
  EXPECT_EQ(a_->stats().lifecycle.leases_held, 1u);
}

TEST_F(LeaseTest, TokensOnlyGrow) {
  int64_t last = -1;
  for (int i = 0; i < 5; ++i) {
    SessionManager& m = i % 2 == 0 ? *a_ : *b_;
    Result<LeaseAttempt> got =
        m.AcquireLease(id_, "h" + std::to_string(i), kTtl);
    ASSERT_TRUE(got.ok() && got->acquired) << got.status();
    EXPECT_GT(got->lease.token, last);
    last = got->lease.token;
    ASSERT_TRUE(m.ReleaseLease(id_, got->lease.token).ok());
  }
}

TEST_F(LeaseTest, AFencedWriteWithTheCurrentTokenApplies) {
  Result<LeaseAttempt> lease = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(lease.ok() && lease->acquired);
  Result<Session> written = a_->Mutate(id_, Set("1", lease->lease.token));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(Stored(id_), "1");
  // Through another manager too: the token is all it takes.
  ASSERT_TRUE(b_->Mutate(id_, Set("2", lease->lease.token)).ok());
  EXPECT_EQ(Stored(id_), "2");
}

TEST_F(LeaseTest, ALeasePastItsTtlIsTakenOverAndTheOldTokenIsFenced) {
  Result<LeaseAttempt> old_lease = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(old_lease.ok() && old_lease->acquired);
  ASSERT_TRUE(a_->Mutate(id_, Set("alice", old_lease->lease.token)).ok());

  clock_.Advance(kTtl.count() + 1);
  Result<LeaseAttempt> taken = b_->AcquireLease(id_, "bob", kTtl);
  ASSERT_TRUE(taken.ok()) << taken.status();
  ASSERT_TRUE(taken->acquired);
  EXPECT_GT(taken->lease.token, old_lease->lease.token);
  EXPECT_EQ(b_->stats().lifecycle.leases_taken_over, 1u);
  ASSERT_TRUE(b_->Mutate(id_, Set("bob", taken->lease.token)).ok());

  // Alice wakes up: every write with her token is refused, nothing changes.
  const int32_t version_before =
      b_->Get(id_, ReadConsistency::kLinearizable)->version;
  EXPECT_TRUE(a_->Mutate(id_, Set("alice-late", old_lease->lease.token))
                  .status()
                  .IsFenced());
  EXPECT_TRUE(a_->Invalidate(id_, old_lease->lease.token).IsFenced());
  EXPECT_TRUE(a_->RotateId(id_, old_lease->lease.token).status().IsFenced());
  EXPECT_TRUE(
      a_->RenewLease(id_, old_lease->lease.token, kTtl).status().IsFenced());
  EXPECT_TRUE(a_->ReleaseLease(id_, old_lease->lease.token).IsFenced());
  EXPECT_EQ(Stored(id_), "bob");
  EXPECT_EQ(b_->Get(id_, ReadConsistency::kLinearizable)->version,
            version_before);
  EXPECT_GE(a_->stats().lifecycle.fenced_writes_rejected, 3u);
  // Bob still holds it.
  Result<LeaseAttempt> again = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->acquired);
  EXPECT_EQ(again->lease.holder, "bob");
}

TEST_F(LeaseTest, ARenewalBeforeTheTtlKeepsTheLease) {
  Result<LeaseAttempt> lease = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(lease.ok() && lease->acquired);
  clock_.Advance(kTtl.count() - 100);
  Result<Lease> renewed = a_->RenewLease(id_, lease->lease.token, kTtl);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(renewed->token, lease->lease.token);
  EXPECT_EQ(renewed->expires_at_ms, clock_.NowMillis() + kTtl.count());
  clock_.Advance(500);  // Past the first TTL, within the renewed one.
  Result<LeaseAttempt> other = b_->AcquireLease(id_, "bob", kTtl);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->acquired);
  EXPECT_TRUE(a_->Mutate(id_, Set("1", lease->lease.token)).ok());
}

TEST_F(LeaseTest, TheSameHolderThroughTheSameManagerGetsItsLeaseBack) {
  Result<LeaseAttempt> first = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(first.ok() && first->acquired);
  clock_.Advance(100);
  Result<LeaseAttempt> again = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(again.ok() && again->acquired) << again.status();
  EXPECT_EQ(again->lease.token, first->lease.token);
  EXPECT_EQ(again->lease.expires_at_ms, clock_.NowMillis() + kTtl.count());
  // The same holder name through another manager is another holder.
  Result<LeaseAttempt> elsewhere = b_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_FALSE(elsewhere->acquired);
}

TEST_F(LeaseTest, AReleasedLeaseCanBeTakenAtOnce) {
  Result<LeaseAttempt> lease = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(lease.ok() && lease->acquired);
  ASSERT_TRUE(a_->ReleaseLease(id_, lease->lease.token).ok());
  EXPECT_EQ(a_->stats().lifecycle.leases_held, 0u);
  Result<LeaseAttempt> next = b_->AcquireLease(id_, "bob", kTtl);
  ASSERT_TRUE(next.ok() && next->acquired);
  EXPECT_TRUE(
      a_->Mutate(id_, Set("x", lease->lease.token)).status().IsFenced());
}

TEST_F(LeaseTest, OnlyOneOfManyConcurrentContendersGetsIt) {
  constexpr int kContenders = 8;
  std::vector<std::unique_ptr<SessionManager>> managers;
  for (int i = 0; i < kContenders; ++i) {
    managers.push_back(Open());
    ASSERT_NE(managers.back(), nullptr);
  }
  std::vector<std::future<Result<LeaseAttempt>>> attempts;
  for (int i = 0; i < kContenders; ++i) {
    attempts.push_back(std::async(std::launch::async, [&, i] {
      return managers[i]->AcquireLease(id_, "c" + std::to_string(i), kTtl);
    }));
  }
  int acquired = 0;
  for (auto& f : attempts) {
    Result<LeaseAttempt> r = f.get();
    ASSERT_TRUE(r.ok()) << r.status();
    acquired += r->acquired ? 1 : 0;
  }
  // Contenders that withdraw at the same time can all lose (then callers
  // retry), but two can never win.
  EXPECT_LE(acquired, 1);
  // Whoever holds it (if anyone) is reported to a newcomer, and the loser
  // contenders left no node behind: once released, a newcomer gets it.
  Result<LeaseAttempt> probe = a_->AcquireLease(id_, "probe", kTtl);
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(probe->acquired, acquired == 0);
}

TEST_F(LeaseTest, ALeaseEndsWithItsHoldersZooKeeperSession) {
  Result<LeaseAttempt> lease =
      a_->AcquireLease(id_, "alice", milliseconds(600000));
  ASSERT_TRUE(lease.ok() && lease->acquired);
  auto credentials = SessionManagerTestPeer::client(*a_).session_credentials();
  ASSERT_TRUE(credentials.has_value());
  ASSERT_TRUE(zk::ExpireSessionForTesting(testing::SharedZkConnectString(),
                                          *credentials, milliseconds(10000))
                  .ok());
  // No TTL has passed (the clock stands still), yet once the server ended
  // Alice's session her lease is gone and Bob gets it.
  Result<LeaseAttempt> taken(Status::Internal("not tried"));
  ASSERT_TRUE(PollUntil(
      [&] {
        taken = b_->AcquireLease(id_, "bob", kTtl);
        return taken.ok() && taken->acquired;
      },
      milliseconds(15000)))
      << taken.status();
  // Alice's manager learns of the loss and refuses her token locally.
  ASSERT_TRUE(PollUntil([&] { return a_->stats().lifecycle.leases_lost == 1; },
                        milliseconds(15000)));
  EXPECT_TRUE(
      a_->Mutate(id_, Set("late", lease->lease.token)).status().IsFenced());
  EXPECT_EQ(Stored(id_), "");
}

TEST(LeaseLocalTimerTest, LeasesAreLostWhenTheLocalSessionTimerFires) {
  // Disconnected for the whole session timeout, the holder cannot know
  // whether the server has expired its session (and given the lease to
  // someone else): it must stop using the lease by then, not when it hears
  // from the server again.
  auto server = testing::ZkServer::Start(testing::ZkServer::Mode::kStandalone);
  ASSERT_TRUE(server.ok()) << server.status();
  SessionManagerOptions options = ManagerOptions(UniqueTestPath("lease-timer"));
  options.connect_string = (*server)->connect_string();
  options.zk_session_timeout = milliseconds(2000);
  options.operation_timeout = milliseconds(60000);
  auto manager = OpenManager(options);
  ASSERT_NE(manager, nullptr);
  Result<Session> created = manager->Create({});
  ASSERT_TRUE(created.ok());
  Result<LeaseAttempt> lease =
      manager->AcquireLease(created->id, "alice", milliseconds(600000));
  ASSERT_TRUE(lease.ok() && lease->acquired);

  ASSERT_TRUE((*server)->StopAll().ok());
  ASSERT_TRUE(
      PollUntil([&] { return manager->stats().lifecycle.leases_lost == 1; },
                milliseconds(20000)));
  EXPECT_EQ(manager->stats().lifecycle.leases_held, 0u);
  // Refused at once, locally: ZooKeeper is still down, and the operation
  // timeout (60 s) would otherwise keep the call waiting.
  const auto started = std::chrono::steady_clock::now();
  Mutation m;
  m.set["k"] = "late";
  m.lease_token = lease->lease.token;
  EXPECT_TRUE(manager->Mutate(created->id, m).status().IsFenced());
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(5000));
}

TEST_F(LeaseTest, AMissingSessionHasNoLease) {
  Result<LeaseAttempt> none =
      a_->AcquireLease("AAAAAAAAAAAAAAAAAAAAAA", "alice", kTtl);
  EXPECT_TRUE(none.status().IsNotFound()) << none.status();
  ASSERT_TRUE(a_->Invalidate(id_).ok());
  EXPECT_TRUE(a_->AcquireLease(id_, "alice", kTtl).status().IsNotFound());
}

TEST_F(LeaseTest, BadArgumentsAreRefusedAndChangeNothing) {
  EXPECT_TRUE(a_->AcquireLease("../zookeeper", "alice", kTtl)
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(a_->AcquireLease(id_, "", kTtl).status().IsInvalidArgument());
  EXPECT_TRUE(a_->AcquireLease(id_, std::string(300, 'x'), kTtl)
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(a_->AcquireLease(id_, std::string("\xff\xfe"), kTtl)
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(a_->AcquireLease(id_, "alice", milliseconds(0))
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(a_->Mutate(id_, Set("x", -1)).status().IsInvalidArgument());
  EXPECT_TRUE(a_->ReleaseLease(id_, -5).IsInvalidArgument());
  // A token that was never issued is not the lease.
  EXPECT_TRUE(a_->Mutate(id_, Set("x", 12345)).status().IsFenced());
  EXPECT_EQ(Stored(id_), "");
  // Nothing above took the lease.
  Result<LeaseAttempt> free_lease = b_->AcquireLease(id_, "bob", kTtl);
  ASSERT_TRUE(free_lease.ok());
  EXPECT_TRUE(free_lease->acquired);
}

TEST_F(LeaseTest, ACorruptLeaseIsReportedAndNotTakenOver) {
  Result<LeaseAttempt> lease = a_->AcquireLease(id_, "alice", kTtl);
  ASSERT_TRUE(lease.ok() && lease->acquired);
  auto raw = OpenConnectedClient();
  ASSERT_NE(raw, nullptr);
  // The lease's node: its sequence is the token minus one.
  char name[32];
  std::snprintf(name, sizeof(name), "l-%010lld",
                static_cast<long long>(lease->lease.token - 1));
  const std::string path = root_ + "/leases/" + id_ + "/" + name;
  ASSERT_TRUE(raw->SetSync(path, "garbage", -1).ok());
  clock_.Advance(kTtl.count() * 10);
  EXPECT_TRUE(b_->AcquireLease(id_, "bob", kTtl).status().IsDataLoss());
  // Alice's lease is untouched: her fenced writes still apply.
  EXPECT_TRUE(a_->Mutate(id_, Set("a", lease->lease.token)).ok());
}

}  // namespace
}  // namespace sessionkeeper
