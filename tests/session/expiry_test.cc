// Idle and absolute expiry, judged by the injected clock, and touch
// coalescing.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

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

class ExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = ManagerOptions(UniqueTestPath("expiry"));
    options_.clock = &clock_;
    options_.touch_fraction = touch_fraction_;
    manager_ = OpenManager(options_);
    ASSERT_NE(manager_, nullptr);
    raw_ = OpenConnectedClient();
    ASSERT_NE(raw_, nullptr);
  }

  Session Create(milliseconds max_idle,
                 milliseconds max_lifetime = milliseconds(0)) {
    CreateRequest request;
    request.max_idle = max_idle;
    request.max_lifetime = max_lifetime;
    Result<Session> s = manager_->Create(request);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : Session{};
  }

  // Every read and write path reports the session as not found.
  void ExpectGoneEverywhere(const std::string& id) {
    for (ReadConsistency c :
         {ReadConsistency::kCached, ReadConsistency::kSequential,
          ReadConsistency::kLinearizable}) {
      EXPECT_TRUE(manager_->Get(id, c).status().IsNotFound());
    }
    EXPECT_TRUE(manager_->Mutate(id, {}).status().IsNotFound());
    EXPECT_TRUE(manager_->Touch(id).IsNotFound());
    EXPECT_TRUE(manager_->RotateId(id).status().IsNotFound());
    EXPECT_TRUE(manager_->Invalidate(id).IsNotFound());
  }

  int32_t StoredVersion(const std::string& id) {
    auto node =
        raw_->GetSync(SessionManagerTestPeer::store(*manager_).SessionPath(id));
    return node.ok() ? node->stat.version : -1;
  }

  double touch_fraction_ = 0.5;
  ManualClock clock_;
  SessionManagerOptions options_;
  std::unique_ptr<SessionManager> manager_;
  std::unique_ptr<zk::Client> raw_;
};

// The deadline arithmetic saturates on absurd stored values, of either
// sign (a corrupt or foreign record may hold anything): no overflow (the
// sanitizer build fails on one), and the answer stays ordered.
TEST(ExpiryArithmeticTest, DeadlinesSaturateInsteadOfOverflowing) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  Session s;
  s.created_at_ms = -5;
  s.last_access_at_ms = kMax - 1;
  s.max_idle_ms = kMax;
  s.max_lifetime_ms = kMax;
  EXPECT_EQ(s.expires_at_ms(), kMax - 5);  // The lifetime: -5 + kMax.
  s.max_lifetime_ms = 0;
  EXPECT_EQ(s.expires_at_ms(), kMax);  // Idle: saturated.
  s.last_access_at_ms = kMin + 1;
  s.max_idle_ms = -10;
  EXPECT_EQ(s.expires_at_ms(), kMin);
  EXPECT_TRUE(s.ExpiredAt(0));
}

// Reads that write nothing back (touch_fraction 1.0: only a read at max
// idle would touch, and that session has expired), so no touch from a
// read is still in flight when the clock reaches a deadline. With 0.5, a
// read at 999 ms of 1000 touched in the background, and the deadline
// moved or not depending on which thread ran first.
class IdleDeadlineTest : public ExpiryTest {
 protected:
  void SetUp() override {
    touch_fraction_ = 1.0;
    ExpiryTest::SetUp();
  }
};

TEST_F(IdleDeadlineTest,
       AnIdleSessionIsNotFoundOnEveryPathBeforeAnyoneDeletesIt) {
  const Session s = Create(milliseconds(1000));
  clock_.Advance(999);
  ASSERT_TRUE(manager_->Get(s.id, ReadConsistency::kSequential).ok());
  clock_.Advance(1);
  ExpectGoneEverywhere(s.id);
  // Still in ZooKeeper: expiry is decided by time, not by deletion.
  EXPECT_TRUE(
      raw_->ExistsSync(
              SessionManagerTestPeer::store(*manager_).SessionPath(s.id))
          ->has_value());
}

TEST_F(IdleDeadlineTest, TouchPostponesIdleExpiry) {
  const Session s = Create(milliseconds(1000));
  clock_.Advance(800);
  ASSERT_TRUE(manager_->Touch(s.id).ok());
  clock_.Advance(800);  // 1600 ms after creation, 800 after the touch.
  EXPECT_TRUE(manager_->Get(s.id).ok());
  clock_.Advance(200);
  EXPECT_TRUE(manager_->Get(s.id).status().IsNotFound());
}

TEST_F(ExpiryTest, AMutationCountsAsAnAccess) {
  const Session s = Create(milliseconds(1000));
  clock_.Advance(900);
  Mutation m;
  m.set = {{"a", "b"}};
  ASSERT_TRUE(manager_->Mutate(s.id, m).ok());
  clock_.Advance(900);
  EXPECT_TRUE(manager_->Get(s.id).ok());
}

TEST_F(ExpiryTest, AbsoluteExpiryHoldsWhateverTheActivity) {
  const Session s = Create(milliseconds(1000), milliseconds(2500));
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(600);
    ASSERT_TRUE(manager_->Touch(s.id).ok()) << "at step " << i;
  }
  clock_.Advance(100);  // 2500 ms after creation.
  ExpectGoneEverywhere(s.id);
}

TEST_F(ExpiryTest, ReadsOfARecentlyAccessedSessionWriteNothing) {
  const Session s = Create(milliseconds(10000));
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(100);  // Stays under half of max idle.
    ASSERT_TRUE(manager_->Get(s.id).ok());
  }
  ASSERT_TRUE(raw_->SyncSync("/").ok());
  EXPECT_EQ(StoredVersion(s.id), 0);
}

TEST_F(ExpiryTest, AReadPastTheTouchFractionWritesTheAccessTimeBack) {
  const Session s = Create(milliseconds(10000));
  clock_.Advance(6000);  // Over half of max idle.
  ASSERT_TRUE(manager_->Get(s.id).ok());
  ASSERT_TRUE(
      PollUntil([&] { return StoredVersion(s.id) == 1; }, milliseconds(10000)));
  Result<Session> after = manager_->Get(s.id, ReadConsistency::kSequential);
  EXPECT_EQ(after->last_access_at_ms, clock_.NowMillis());
  // So the idle deadline moved: 9 s later it is still alive.
  clock_.Advance(9000);
  EXPECT_TRUE(manager_->Get(s.id).ok());
}

}  // namespace
}  // namespace sessionkeeper
