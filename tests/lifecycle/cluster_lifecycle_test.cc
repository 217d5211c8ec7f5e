// Membership, distributed exactly-once expiry and session events, with
// several managers (separate ZooKeeper sessions) on one root.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "lifecycle/expiry_scheduler.h"
#include "sessionkeeper/clock.h"
#include "sessionkeeper/session_manager.h"
#include "store/session_store.h"
#include "support/managers.h"
#include "support/session_manager_peer.h"
#include "support/zk_client.h"
#include "support/zk_server.h"

namespace sessionkeeper {
namespace {

using ::sessionkeeper::testing::ManagerOptions;
using ::sessionkeeper::testing::OpenConnectedClient;
using ::sessionkeeper::testing::OpenManager;
using ::sessionkeeper::testing::PollUntil;
using ::sessionkeeper::testing::UniqueTestPath;
using std::chrono::milliseconds;

// Counts events per (type, session) across every manager it listens to.
class EventCounter {
 public:
  void Listen(SessionManager& manager) {
    manager.AddListener([this](const SessionEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_[{e.type, e.session_id}];
      causes_[e.session_id] = e.cause;
    });
  }
  int Count(SessionEventType type) const {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& [key, count] : counts_) n += key.first == type ? count : 0;
    return n;
  }
  int Count(SessionEventType type, const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = counts_.find({type, id});
    return it == counts_.end() ? 0 : it->second;
  }
  std::string Cause(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = causes_.find(id);
    return it == causes_.end() ? "" : it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<SessionEventType, std::string>, int> counts_;
  std::map<std::string, std::string> causes_;
};

class ClusterLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = ManagerOptions(UniqueTestPath("cluster"));
    options_.clock = &clock_;
    options_.expiry_granularity = milliseconds(50);
    for (int i = 0; i < 3; ++i) AddManager("m" + std::to_string(i));
    raw_ = OpenConnectedClient();
    ASSERT_NE(raw_, nullptr);
  }

  SessionManager& AddManager(const std::string& node_id) {
    SessionManagerOptions o = options_;
    o.node_id = node_id;
    o.member_address = "127.0.0.1:" + std::to_string(8000 + managers_.size());
    managers_.push_back(OpenManager(o));
    EXPECT_NE(managers_.back(), nullptr);
    events_.Listen(*managers_.back());
    return *managers_.back();
  }

  // Expires one session while each manager's client has one `fault` armed
  // for its next write, and checks the event fires exactly once.
  void ExpireWithOneFault(std::atomic<int> zk::Client::FaultInjection::*fault);

  bool Exists(const std::string& id) {
    const std::string path =
        SessionManagerTestPeer::store(*managers_[0]).SessionPath(id);
    return raw_->ExistsSync(path)->has_value();
  }

  ManualClock clock_;
  // Before the managers: their listeners write to it until they close.
  EventCounter events_;
  SessionManagerOptions options_;
  std::vector<std::unique_ptr<SessionManager>> managers_;
  std::unique_ptr<zk::Client> raw_;
};

// A bucket's re-lists back off while they find nothing new (the owner's
// own creates fire its child watch too), within eight ticks at most.
TEST(ExpiryRelistTest, QuietRelistsBackOffUpToEightTicks) {
  using lifecycle::ExpiryScheduler;
  EXPECT_EQ(ExpiryScheduler::RelistDelayFor(milliseconds(500), 0),
            milliseconds(500));
  EXPECT_EQ(ExpiryScheduler::RelistDelayFor(milliseconds(500), 1),
            milliseconds(1000));
  EXPECT_EQ(ExpiryScheduler::RelistDelayFor(milliseconds(500), 3),
            milliseconds(4000));
  EXPECT_EQ(ExpiryScheduler::RelistDelayFor(milliseconds(500), 50),
            milliseconds(4000));
  // A coarse tick does not make the first re-list wait longer than 500 ms.
  EXPECT_EQ(ExpiryScheduler::RelistDelayFor(milliseconds(5000), 0),
            milliseconds(500));
  EXPECT_EQ(ExpiryScheduler::RelistDelayFor(milliseconds(50), 3),
            milliseconds(400));
}

// After the owner's re-lists of a bucket have backed off (its own creates
// only), a session another member creates there is still found and
// expired, well within the backed-off delay plus a tick.
TEST_F(ClusterLifecycleTest, AForeignSessionInABackedOffBucketStillExpires) {
  CreateRequest request;
  request.max_idle = milliseconds(1000);
  // Many creates from every member: the owners' re-lists of most buckets
  // see only sessions they know, and back off.
  std::vector<std::string> ids;
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 30; ++i) {
      Result<Session> s = managers_[i % 3]->Create(request);
      ASSERT_TRUE(s.ok()) << s.status();
      ids.push_back(s->id);
    }
  }
  Result<Session> late = managers_[1]->Create(request);
  ASSERT_TRUE(late.ok()) << late.status();
  clock_.Advance(1001);
  ASSERT_TRUE(PollUntil(
      [&] { return events_.Count(SessionEventType::kExpired, late->id) == 1; },
      milliseconds(20000)));
  ASSERT_TRUE(PollUntil(
      [&] {
        return events_.Count(SessionEventType::kExpired) ==
               static_cast<int>(ids.size()) + 1;
      },
      milliseconds(20000)));
  EXPECT_FALSE(Exists(late->id));
}

TEST_F(ClusterLifecycleTest, EveryManagerSeesTheLiveMembers) {
  Result<std::vector<Member>> members = managers_[0]->Members();
  ASSERT_TRUE(members.ok()) << members.status();
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[1].node_id, "m1");
  EXPECT_EQ((*members)[1].address, "127.0.0.1:8001");
  managers_[1].reset();  // Its ephemeral member znode goes with its session.
  EXPECT_EQ(managers_[0]->Members()->size(), 2u);
}

TEST_F(ClusterLifecycleTest, ExpiredSessionsAreDeletedOnceWithOneEventEach) {
  CreateRequest request;
  request.max_idle = milliseconds(1000);
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) {
    Result<Session> s = managers_[i % 3]->Create(request);
    ASSERT_TRUE(s.ok()) << s.status();
    ids.push_back(s->id);
  }
  clock_.Advance(999);
  // Nothing is deleted before its deadline.
  ASSERT_TRUE(managers_[0]->Get(ids[0], ReadConsistency::kSequential).ok());
  clock_.Advance(2);
  ASSERT_TRUE(
      PollUntil([&] { return events_.Count(SessionEventType::kExpired) >= 60; },
                milliseconds(20000)));
  for (const std::string& id : ids) {
    EXPECT_FALSE(Exists(id));
    EXPECT_EQ(events_.Count(SessionEventType::kExpired, id), 1) << id;
    EXPECT_EQ(events_.Cause(id), "idle");
  }
  // No late duplicates.
  ASSERT_TRUE(raw_->SyncSync("/").ok());
  EXPECT_EQ(events_.Count(SessionEventType::kExpired), 60);
}

TEST_F(ClusterLifecycleTest, ATouchedSessionIsNeverDeletedWhileAlive) {
  CreateRequest request;
  request.max_idle = milliseconds(1000);
  Result<Session> s = managers_[0]->Create(request);
  ASSERT_TRUE(s.ok());
  clock_.Advance(900);
  ASSERT_TRUE(managers_[1]->Touch(s->id).ok());
  clock_.Advance(500);  // Past the first deadline, not the touched one.
  // Give every scheduler several rounds to (wrongly) act.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(raw_->SyncSync("/").ok());
  ASSERT_FALSE(PollUntil([&] { return !Exists(s->id); }, milliseconds(500)));
  EXPECT_EQ(events_.Count(SessionEventType::kExpired), 0);
  clock_.Advance(600);  // Past the touched deadline.
  ASSERT_TRUE(PollUntil([&] { return !Exists(s->id); }, milliseconds(10000)));
}

TEST_F(ClusterLifecycleTest, SessionsOfADeadMemberStillExpire) {
  CreateRequest request;
  request.max_idle = milliseconds(1000);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    Result<Session> s = managers_[2]->Create(request);
    ASSERT_TRUE(s.ok());
    ids.push_back(s->id);
  }
  managers_[2].reset();
  managers_[1].reset();
  clock_.Advance(1001);
  ASSERT_TRUE(
      PollUntil([&] { return events_.Count(SessionEventType::kExpired) >= 20; },
                milliseconds(20000)));
  for (const std::string& id : ids) EXPECT_FALSE(Exists(id));
}

// One fault armed on every manager's client; the expiry delete is the
// first write any of them makes after it, so exactly one is taken.
using WriteFault = std::atomic<int> zk::Client::FaultInjection::*;

void ClusterLifecycleTest::ExpireWithOneFault(WriteFault fault) {
  CreateRequest request;
  request.max_idle = milliseconds(1000);
  Result<Session> s = managers_[0]->Create(request);
  ASSERT_TRUE(s.ok());
  for (auto& m : managers_) {
    (SessionManagerTestPeer::client(*m).faults_for_testing().*fault) = 1;
  }
  clock_.Advance(1001);
  ASSERT_TRUE(PollUntil(
      [&] { return events_.Count(SessionEventType::kExpired, s->id) >= 1; },
      milliseconds(10000)));
  EXPECT_FALSE(Exists(s->id));
  int taken = 0;
  for (auto& m : managers_) {
    taken +=
        1 - (SessionManagerTestPeer::client(*m).faults_for_testing().*fault);
  }
  EXPECT_EQ(taken, 1) << "the expiry delete was the write that took it";
  // The marker is cleaned up, and no second event comes.
  const std::string expiring =
      SessionManagerTestPeer::store(*managers_[0]).ExpiringPath();
  ASSERT_TRUE(
      PollUntil([&] { return raw_->GetChildrenSync(expiring)->names.empty(); },
                milliseconds(10000)));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(raw_->SyncSync("/").ok());
  EXPECT_EQ(events_.Count(SessionEventType::kExpired, s->id), 1);
}

// The expiry delete applies but its reply is lost (as when the server dies
// mid-delete): the marker written with it says it won, so the event still
// fires, once.
TEST_F(ClusterLifecycleTest, AnExpiryWhoseReplyIsLostStillFiresOnce) {
  ExpireWithOneFault(&zk::Client::FaultInjection::lose_write_replies);
}

// The expiry delete never reaches ZooKeeper, yet reports a connection loss:
// no marker, so the session is judged again and expires, once.
TEST_F(ClusterLifecycleTest, AnExpiryThatWasNeverSentIsRetried) {
  ExpireWithOneFault(&zk::Client::FaultInjection::drop_writes_unsent);
}

// A marker whose writer crashed between its delete and the clean-up is
// removed by the bucket's owner after one to two sweep periods.
TEST(ExpiryMarkerSweepTest, AMarkerLeftBehindIsRemoved) {
  SessionManagerOptions options = ManagerOptions(UniqueTestPath("sweep"));
  options.expiry_granularity = milliseconds(50);
  options.expiry_marker_sweep_period = milliseconds(200);
  auto manager = OpenManager(options);  // The only member: owns every bucket.
  ASSERT_NE(manager, nullptr);
  auto raw = OpenConnectedClient();
  ASSERT_NE(raw, nullptr);
  const std::string marker =
      SessionManagerTestPeer::store(*manager).ExpiryMarkerPath(
          "AAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_TRUE(raw->CreateSync(marker, "crashed-member\nnonce",
                              zk::CreateMode::kPersistent)
                  .ok());
  EXPECT_TRUE(PollUntil([&] { return !raw->ExistsSync(marker)->has_value(); },
                        milliseconds(10000)));
}

TEST_F(ClusterLifecycleTest, AbsoluteExpiryIsReportedAsSuch) {
  CreateRequest request;
  request.max_idle = milliseconds(10000);
  request.max_lifetime = milliseconds(2000);
  Result<Session> s = managers_[0]->Create(request);
  ASSERT_TRUE(s.ok());
  clock_.Advance(1500);
  ASSERT_TRUE(managers_[0]->Touch(s->id).ok());
  clock_.Advance(600);
  ASSERT_TRUE(PollUntil(
      [&] { return events_.Count(SessionEventType::kExpired, s->id) == 1; },
      milliseconds(10000)));
  EXPECT_EQ(events_.Cause(s->id), "absolute");
}

TEST_F(ClusterLifecycleTest, LocalOperationsPublishTheirEvents) {
  CreateRequest request;
  request.principal = "p";
  Result<Session> s = managers_[0]->Create(request);
  ASSERT_TRUE(s.ok());
  Mutation m;
  m.set = {{"a", "b"}};
  ASSERT_TRUE(managers_[0]->Mutate(s->id, m).ok());
  Result<Session> rotated = managers_[0]->RotateId(s->id);
  ASSERT_TRUE(rotated.ok());
  ASSERT_TRUE(managers_[0]->Invalidate(rotated->id).ok());
  ASSERT_TRUE(PollUntil(
      [&] {
        return events_.Count(SessionEventType::kInvalidated, rotated->id) == 1;
      },
      milliseconds(5000)));
  EXPECT_EQ(events_.Count(SessionEventType::kCreated, s->id), 1);
  EXPECT_EQ(events_.Count(SessionEventType::kAttributesChanged, s->id), 1);
  EXPECT_EQ(events_.Count(SessionEventType::kInvalidated, s->id), 1);
  EXPECT_EQ(events_.Count(SessionEventType::kCreated, rotated->id), 1);
}

}  // namespace
}  // namespace sessionkeeper
