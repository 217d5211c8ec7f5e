// Write-behind mode: coalesced, flushed on interval, Flush() and close;
// read-only sessions are never written back.
#include <gtest/gtest.h>

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

class WriteBehindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = ManagerOptions(UniqueTestPath("wb"));
    options_.write_mode = WriteMode::kWriteBehind;
    options_.write_behind_interval = milliseconds(3600 * 1000);  // Manual.
    manager_ = OpenManager(options_);
    ASSERT_NE(manager_, nullptr);
    SessionManagerOptions through = options_;
    through.write_mode = WriteMode::kWriteThrough;
    observer_ = OpenManager(through);
    ASSERT_NE(observer_, nullptr);
    raw_ = OpenConnectedClient();
    ASSERT_NE(raw_, nullptr);
    Result<Session> s = manager_->Create({});
    ASSERT_TRUE(s.ok()) << s.status();
    id_ = s->id;
  }

  int32_t StoredVersion() {
    auto node = raw_->GetSync(
        SessionManagerTestPeer::store(*manager_).SessionPath(id_));
    return node.ok() ? node->stat.version : -1;
  }

  SessionManagerOptions options_;
  std::unique_ptr<SessionManager> manager_;
  std::unique_ptr<SessionManager> observer_;
  std::unique_ptr<zk::Client> raw_;
  std::string id_;
};

TEST_F(WriteBehindTest,
       MutationsAreVisibleLocallyAtOnceAndInZooKeeperAfterFlush) {
  for (int i = 0; i < 10; ++i) {
    Mutation m;
    m.set = {{"n", std::to_string(i)}, {"k" + std::to_string(i), "x"}};
    Result<Session> r = manager_->Mutate(id_, m);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->attributes.at("n"), std::to_string(i));
  }
  EXPECT_EQ(manager_->Get(id_)->attributes.at("n"), "9");  // Read-your-writes.
  EXPECT_EQ(StoredVersion(), 0);  // Nothing written yet.
  EXPECT_TRUE(
      observer_->Get(id_, ReadConsistency::kLinearizable)->attributes.empty());

  ASSERT_TRUE(manager_->Flush().ok());
  EXPECT_EQ(StoredVersion(), 1);  // Ten calls coalesced into one write.
  Result<Session> seen = observer_->Get(id_, ReadConsistency::kLinearizable);
  EXPECT_EQ(seen->attributes.at("n"), "9");
  EXPECT_EQ(seen->attributes.size(), 11u);
}

TEST_F(WriteBehindTest, ASessionThatWasOnlyReadIsNeverWrittenBack) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(manager_->Get(id_).ok());
  ASSERT_TRUE(manager_->Flush().ok());
  EXPECT_EQ(StoredVersion(), 0);
}

TEST_F(WriteBehindTest, ClosingTheManagerFlushes) {
  Mutation m;
  m.set = {{"last", "words"}};
  ASSERT_TRUE(manager_->Mutate(id_, m).ok());
  manager_.reset();
  EXPECT_EQ(observer_->Get(id_, ReadConsistency::kLinearizable)
                ->attributes.at("last"),
            "words");
}

TEST_F(WriteBehindTest, ThePeriodicFlushWritesWithoutBeingAsked) {
  SessionManagerOptions periodic = options_;
  periodic.write_behind_interval = milliseconds(50);
  auto manager = OpenManager(periodic);
  ASSERT_NE(manager, nullptr);
  Mutation m;
  m.set = {{"auto", "yes"}};
  ASSERT_TRUE(manager->Mutate(id_, m).ok());
  ASSERT_TRUE(
      PollUntil([&] { return StoredVersion() == 1; }, milliseconds(10000)));
}

TEST_F(WriteBehindTest, ConditionalMutationsAreWrittenThrough) {
  Mutation m;
  m.set = {{"cond", "1"}};
  m.expected_version = 0;
  ASSERT_TRUE(manager_->Mutate(id_, m).ok());
  EXPECT_EQ(StoredVersion(), 1);
}

TEST_F(WriteBehindTest, AnOversizedChangeIsRejectedAtOnceNotAtFlush) {
  Mutation m;
  m.set = {{"big", std::string(600 * 1024, 'x')}};
  EXPECT_TRUE(manager_->Mutate(id_, m).status().IsResourceExhausted());
}

}  // namespace
}  // namespace sessionkeeper
