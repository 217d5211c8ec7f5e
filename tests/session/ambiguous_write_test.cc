// Writes whose reply was lost: the manager resolves the outcome by its write
// nonce, never reports success for a write that did not apply, and reports
// success for one that did.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "sessionkeeper/session_manager.h"
#include "support/managers.h"
#include "support/session_manager_peer.h"
#include "support/zk_client.h"
#include "support/zk_server.h"

namespace sessionkeeper {
namespace {

using ::sessionkeeper::testing::ManagerOptions;
using ::sessionkeeper::testing::OpenManager;
using ::sessionkeeper::testing::PollUntil;
using ::sessionkeeper::testing::UniqueTestPath;
using ::sessionkeeper::testing::ZkServer;
using std::chrono::milliseconds;

class AmbiguousWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manager_ = OpenManager(ManagerOptions(UniqueTestPath("ambiguous")));
    ASSERT_NE(manager_, nullptr);
    Result<Session> s = manager_->Create({});
    ASSERT_TRUE(s.ok()) << s.status();
    id_ = s->id;
  }
  zk::Client::FaultInjection& faults() {
    return SessionManagerTestPeer::client(*manager_).faults_for_testing();
  }

  std::unique_ptr<SessionManager> manager_;
  std::string id_;
};

TEST_F(AmbiguousWriteTest,
       AWriteThatAppliedButLostItsReplyIsReportedAsSuccess) {
  faults().lose_write_replies = 1;
  Mutation m;
  m.set = {{"k", "v"}};
  Result<Session> r = manager_->Mutate(id_, m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(faults().lose_write_replies.load(), 0);  // The fault did fire.
  Result<Session> stored = manager_->Get(id_, ReadConsistency::kLinearizable);
  EXPECT_EQ(stored->attributes.at("k"), "v");
  EXPECT_EQ(stored->version, 1);  // Applied exactly once.
}

TEST_F(AmbiguousWriteTest, AWriteThatNeverAppliedIsRetriedAndAppliedOnce) {
  faults().drop_writes_unsent = 1;
  Mutation m;
  m.set = {{"k", "v"}};
  Result<Session> r = manager_->Mutate(id_, m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(faults().drop_writes_unsent.load(), 0);
  Result<Session> stored = manager_->Get(id_, ReadConsistency::kLinearizable);
  EXPECT_EQ(stored->attributes.at("k"), "v");
  EXPECT_EQ(stored->version, 1);
}

// A clock that, once armed, holds the manager's callback thread at the
// moment a write is about to be sent: its reply then waits in the queue
// while the test changes ZooKeeper behind the manager's back.
class HoldingClock final : public Clock {
 public:
  int64_t NowMillis() const override {
    if (client_ != nullptr && armed_.exchange(false)) {
      // Submitted before the write, so this callback runs before the
      // write's completion and keeps it queued.
      client_->Sync("/", [this](Status) {
        holding_.set_value();
        released_.wait();
      });
    }
    return SystemClock::Default()->NowMillis();
  }
  void Arm(zk::Client* client) {
    client_ = client;
    armed_ = true;
  }
  void WaitUntilHolding() { holding_.get_future().wait(); }
  void Release() { release_.set_value(); }

 private:
  mutable std::atomic<bool> armed_{false};
  zk::Client* client_ = nullptr;
  mutable std::promise<void> holding_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

// A manager whose next write gets `fault`, held (HoldingClock) right before
// that write's outcome is known, and a competitor on the same root.
class AmbiguousWriteRaceTest : public ::testing::Test {
 protected:
  using Fault = std::atomic<int> zk::Client::FaultInjection::*;

  void SetUp() override {
    SessionManagerOptions options = ManagerOptions(UniqueTestPath("race"));
    options.clock = &clock_;
    manager_ = OpenManager(options);
    competitor_ = OpenManager(ManagerOptions(options.root));
    ASSERT_NE(manager_, nullptr);
    ASSERT_NE(competitor_, nullptr);
    Result<Session> s = manager_->Create({});
    ASSERT_TRUE(s.ok()) << s.status();
    id_ = s->id;
  }

  // Starts a write of `name`=`value` whose write operation gets `fault`,
  // and returns once the manager is held before learning its outcome.
  std::future<Result<Session>> StartHeldWrite(Fault fault,
                                              const std::string& name,
                                              const std::string& value) {
    zk::Client& client = SessionManagerTestPeer::client(*manager_);
    client.faults_for_testing().*fault = 1;
    clock_.Arm(&client);
    Mutation mine;
    mine.set = {{name, value}};
    auto result = std::make_shared<std::promise<Result<Session>>>();
    std::future<Result<Session>> future = result->get_future();
    manager_->MutateAsync(id_, mine, [result](Result<Session> r) {
      result->set_value(std::move(r));
    });
    clock_.WaitUntilHolding();
    return future;
  }

  HoldingClock clock_;
  std::unique_ptr<SessionManager> manager_;
  std::unique_ptr<SessionManager> competitor_;
  std::string id_;
};

TEST_F(AmbiguousWriteRaceTest,
       AWriteOverwrittenBeforeItCouldBeCheckedIsReportedUnknown) {
  std::future<Result<Session>> result = StartHeldWrite(
      &zk::Client::FaultInjection::lose_write_replies, "k", "mine");
  // Our write lands (its reply will be reported lost), then another manager
  // writes over it before our manager can look.
  auto raw = testing::OpenConnectedClient();
  ASSERT_NE(raw, nullptr);
  const std::string path =
      SessionManagerTestPeer::store(*manager_).SessionPath(id_);
  ASSERT_TRUE(PollUntil([&] { return raw->GetSync(path)->stat.version == 1; },
                        milliseconds(10000)));
  Mutation theirs;
  theirs.set = {{"k", "theirs"}};
  ASSERT_TRUE(competitor_->Mutate(id_, theirs).ok());
  clock_.Release();

  Result<Session> r = result.get();
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status();
  EXPECT_TRUE(r.status().outcome_unknown()) << r.status();
  EXPECT_EQ(
      competitor_->Get(id_, ReadConsistency::kLinearizable)->attributes.at("k"),
      "theirs");
}

// Our write is never sent but reported lost; meanwhile another manager's
// write takes the version ours was conditional on. One write since ours
// was prepared, and not ours: ours cannot have applied, so it is retried on
// top of the other one instead of being reported unknown.
TEST_F(AmbiguousWriteRaceTest, AWriteThatLostTheVersionRaceUnseenIsRetried) {
  std::future<Result<Session>> result = StartHeldWrite(
      &zk::Client::FaultInjection::drop_writes_unsent, "m", "mine");
  Mutation theirs;
  theirs.set = {{"t", "theirs"}};
  ASSERT_TRUE(competitor_->Mutate(id_, theirs).ok());
  clock_.Release();

  Result<Session> r = result.get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(SessionManagerTestPeer::client(*manager_)
                .faults_for_testing()
                .drop_writes_unsent.load(),
            0);
  Result<Session> stored =
      competitor_->Get(id_, ReadConsistency::kLinearizable);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->attributes.at("m"), "mine");
  EXPECT_EQ(stored->attributes.at("t"), "theirs");
  EXPECT_EQ(stored->version, 2);
}

TEST(AmbiguousWriteOnARealServerTest,
     WritesInFlightWhenTheServerStallsAreNeverMisreported) {
  auto server = ZkServer::Start(ZkServer::Mode::kStandalone);
  ASSERT_TRUE(server.ok()) << server.status();
  SessionManagerOptions options = ManagerOptions(UniqueTestPath("stall"));
  options.connect_string = (*server)->connect_string();
  options.zk_session_timeout = milliseconds(4000);
  options.operation_timeout = milliseconds(30000);
  auto manager = OpenManager(options);
  ASSERT_NE(manager, nullptr);
  Result<Session> s = manager->Create({});
  ASSERT_TRUE(s.ok()) << s.status();

  constexpr int kWrites = 20;
  std::vector<std::future<Result<Session>>> results;
  for (int i = 0; i < kWrites; ++i) {
    auto promise = std::make_shared<std::promise<Result<Session>>>();
    results.push_back(promise->get_future());
    Mutation m;
    m.set = {{"w" + std::to_string(i), "x"}};
    manager->MutateAsync(s->id, m, [promise](Result<Session> r) {
      promise->set_value(std::move(r));
    });
  }
  // Stall the server with requests in flight until the client gives up on
  // the connection, then let it go on.
  ASSERT_TRUE((*server)->Pause(1).ok());
  zk::Client& client = SessionManagerTestPeer::client(*manager);
  ASSERT_TRUE(PollUntil(
      [&] { return client.state() == zk::ConnectionState::kDisconnected; },
      milliseconds(15000)));
  ASSERT_TRUE((*server)->Resume(1).ok());

  std::vector<std::string> acknowledged;
  for (int i = 0; i < kWrites; ++i) {
    Result<Session> r = results[i].get();
    if (r.ok()) {
      acknowledged.push_back("w" + std::to_string(i));
    } else {
      // Only "unknown" is an acceptable failure here.
      EXPECT_TRUE(r.status().IsUnavailable() && r.status().outcome_unknown())
          << r.status();
    }
  }
  Result<Session> final_state =
      manager->Get(s->id, ReadConsistency::kLinearizable);
  ASSERT_TRUE(final_state.ok()) << final_state.status();
  for (const std::string& name : acknowledged) {
    EXPECT_EQ(final_state->attributes.count(name), 1u)
        << name << " was acknowledged but is missing";
  }
  // Nearly always every write gets through once the server is back.
  EXPECT_GE(acknowledged.size(), static_cast<size_t>(kWrites / 2));
}

}  // namespace
}  // namespace sessionkeeper
