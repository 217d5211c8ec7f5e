// SessionManager's API against a real ZooKeeper server.
#include "sessionkeeper/session_manager.h"

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <string>

#include "session/session_id.h"
#include "session_generated.h"
#include "store/session_codec.h"
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
using ::sessionkeeper::testing::UniqueTestPath;

class SessionManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = ManagerOptions(UniqueTestPath("mgr"));
    manager_ = OpenManager(options_);
    ASSERT_NE(manager_, nullptr);
    raw_ = OpenConnectedClient();
    ASSERT_NE(raw_, nullptr);
  }

  Session CreateOrDie(CreateRequest request = {}) {
    Result<Session> s = manager_->Create(std::move(request));
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : Session{};
  }

  std::string SessionPath(const std::string& id) {
    return SessionManagerTestPeer::store(*manager_).SessionPath(id);
  }

  SessionManagerOptions options_;
  std::unique_ptr<SessionManager> manager_;
  std::unique_ptr<zk::Client> raw_;  // Looks at ZooKeeper directly.
};

TEST_F(SessionManagerTest, ASessionCreatedOnOneManagerIsReadByAnother) {
  CreateRequest request;
  request.principal = "alice";
  request.attributes = {{"cart", "3 items"}, {"bin", std::string("\0\1\2", 3)}};
  const Session created = CreateOrDie(request);
  EXPECT_EQ(created.id.size(), 22u);
  EXPECT_EQ(created.version, 0);

  auto other = OpenManager(options_);
  ASSERT_NE(other, nullptr);
  Result<Session> read = other->Get(created.id, ReadConsistency::kSequential);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->attributes, request.attributes);
  EXPECT_EQ(read->principal, "alice");
  EXPECT_EQ(read->created_at_ms, created.created_at_ms);
  EXPECT_EQ(read->max_idle_ms, options_.default_max_idle.count());
}

TEST_F(SessionManagerTest, EveryReadConsistencyLevelReturnsTheSession) {
  const Session created = CreateOrDie();
  for (ReadConsistency c :
       {ReadConsistency::kCached, ReadConsistency::kSequential,
        ReadConsistency::kLinearizable}) {
    Result<Session> read = manager_->Get(created.id, c);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->id, created.id);
  }
}

TEST_F(SessionManagerTest, MalformedIdsAreInvalidArgumentOnEveryCall) {
  for (const std::string& bad :
       {std::string("../zookeeper"), std::string("a/b"), std::string(""),
        std::string("AAAAAAAAAAAAAAAAAAAA\0A", 22), std::string(200, 'A'),
        std::string("AAAAAAAAAAAAAAAAAAA%2F")}) {
    EXPECT_TRUE(manager_->Get(bad).status().IsInvalidArgument()) << bad;
    EXPECT_TRUE(manager_->Mutate(bad, {}).status().IsInvalidArgument()) << bad;
    EXPECT_TRUE(manager_->Touch(bad).IsInvalidArgument()) << bad;
    EXPECT_TRUE(manager_->Invalidate(bad).IsInvalidArgument()) << bad;
    EXPECT_TRUE(manager_->RotateId(bad).status().IsInvalidArgument()) << bad;
  }
  // Nothing escaped the root.
  EXPECT_FALSE(raw_->ExistsSync("/zookeeper/x")->has_value());
}

TEST_F(SessionManagerTest, CreateRejectsBadNamesPrincipalsAndTimeouts) {
  CreateRequest bad_name;
  bad_name.attributes = {{"", "x"}};
  EXPECT_TRUE(manager_->Create(bad_name).status().IsInvalidArgument());
  CreateRequest bad_principal;
  bad_principal.principal = std::string("a\0b", 3);
  EXPECT_TRUE(manager_->Create(bad_principal).status().IsInvalidArgument());
  CreateRequest bad_idle;
  bad_idle.max_idle = std::chrono::milliseconds(0);
  EXPECT_TRUE(manager_->Create(bad_idle).status().IsInvalidArgument());
}

TEST_F(SessionManagerTest, MutateSetsAndRemovesAttributesAndBumpsTheVersion) {
  CreateRequest request;
  request.attributes = {{"a", "1"}, {"b", "2"}};
  const Session created = CreateOrDie(request);
  Mutation m;
  m.set = {{"a", "10"}, {"c", "3"}};
  m.remove = {"b"};
  Result<Session> mutated = manager_->Mutate(created.id, m);
  ASSERT_TRUE(mutated.ok()) << mutated.status();
  EXPECT_EQ(mutated->version, 1);
  const std::map<std::string, std::string> expected = {{"a", "10"}, {"c", "3"}};
  EXPECT_EQ(mutated->attributes, expected);
  EXPECT_EQ(manager_->Get(created.id)->attributes, expected);
}

TEST_F(SessionManagerTest,
       MutateWithAStaleExpectedVersionIsAbortedAndWritesNothing) {
  const Session created = CreateOrDie();
  Mutation first;
  first.set = {{"x", "1"}};
  ASSERT_TRUE(manager_->Mutate(created.id, first).ok());
  Mutation stale;
  stale.set = {{"x", "stale"}};
  stale.expected_version = 0;
  EXPECT_TRUE(manager_->Mutate(created.id, stale).status().IsAborted());
  Result<Session> now = manager_->Get(created.id);
  EXPECT_EQ(now->attributes.at("x"), "1");
  EXPECT_EQ(now->version, 1);
  Mutation current = stale;
  current.expected_version = 1;
  EXPECT_TRUE(manager_->Mutate(created.id, current).ok());
}

TEST_F(SessionManagerTest, CallsOnAMissingSessionAreNotFound) {
  const std::string missing = "AAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_TRUE(manager_->Get(missing).status().IsNotFound());
  EXPECT_TRUE(manager_->Mutate(missing, {}).status().IsNotFound());
  EXPECT_TRUE(manager_->Touch(missing).IsNotFound());
  EXPECT_TRUE(manager_->Invalidate(missing).IsNotFound());
  EXPECT_TRUE(manager_->RotateId(missing).status().IsNotFound());
}

TEST_F(SessionManagerTest, InvalidateDeletesTheSessionAndItsIndexEntry) {
  CreateRequest request;
  request.principal = "bob";
  const Session created = CreateOrDie(request);
  const std::string index =
      SessionManagerTestPeer::store(*manager_).PrincipalEntryPath("bob",
                                                                  created.id);
  ASSERT_TRUE(raw_->ExistsSync(index)->has_value());
  ASSERT_TRUE(manager_->Invalidate(created.id).ok());
  EXPECT_TRUE(manager_->Get(created.id).status().IsNotFound());
  EXPECT_FALSE(raw_->ExistsSync(SessionPath(created.id))->has_value());
  EXPECT_FALSE(raw_->ExistsSync(index)->has_value());
  EXPECT_TRUE(manager_->Invalidate(created.id).IsNotFound());
}

TEST_F(SessionManagerTest,
       RotateIdKeepsTheContentUnderANewIdAndTheOldIdIsGone) {
  CreateRequest request;
  request.principal = "carol";
  request.attributes = {{"k", "v"}};
  const Session created = CreateOrDie(request);
  Result<Session> rotated = manager_->RotateId(created.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_NE(rotated->id, created.id);
  EXPECT_EQ(rotated->attributes, request.attributes);
  EXPECT_EQ(rotated->created_at_ms, created.created_at_ms);
  EXPECT_TRUE(manager_->Get(created.id).status().IsNotFound());
  EXPECT_EQ(manager_->Get(rotated->id)->attributes, request.attributes);
  EXPECT_EQ(*manager_->FindByPrincipal("carol"),
            std::vector<std::string>{rotated->id});
}

TEST_F(SessionManagerTest, FindAndInvalidateAllForAPrincipal) {
  CreateRequest dave;
  dave.principal = "dave@example.com";
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(CreateOrDie(dave).id);
  CreateRequest erin;
  erin.principal = "erin";
  const Session other = CreateOrDie(erin);
  std::sort(ids.begin(), ids.end());

  Result<std::vector<std::string>> found =
      manager_->FindByPrincipal("dave@example.com");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, ids);

  Result<size_t> invalidated =
      manager_->InvalidateAllForPrincipal("dave@example.com");
  ASSERT_TRUE(invalidated.ok()) << invalidated.status();
  EXPECT_EQ(*invalidated, 5u);
  EXPECT_TRUE(manager_->FindByPrincipal("dave@example.com")->empty());
  for (const auto& id : ids) {
    EXPECT_TRUE(manager_->Get(id).status().IsNotFound());
  }
  EXPECT_TRUE(manager_->Get(other.id).ok());
  EXPECT_TRUE(manager_->FindByPrincipal("nobody")->empty());
}

TEST_F(SessionManagerTest,
       CorruptBytesOnOneSessionAreDataLossForThatSessionOnly) {
  const Session victim = CreateOrDie();
  const Session bystander = CreateOrDie();
  ASSERT_TRUE(raw_->SetSync(SessionPath(victim.id), "\xff garbage \x00\x01",
                            zk::kAnyVersion)
                  .ok());
  EXPECT_TRUE(manager_->Get(victim.id).status().IsDataLoss());
  EXPECT_TRUE(manager_->Mutate(victim.id, {}).status().IsDataLoss());
  EXPECT_TRUE(manager_->Get(bystander.id).ok());
  Mutation m;
  m.set = {{"still", "works"}};
  EXPECT_TRUE(manager_->Mutate(bystander.id, m).ok());
}

TEST_F(SessionManagerTest,
       OversizedSessionsAreResourceExhaustedAndNothingIsWritten) {
  CreateRequest big;
  big.attributes = {{"blob", std::string(600 * 1024, 'x')}};
  EXPECT_TRUE(manager_->Create(big).status().IsResourceExhausted());

  const Session created = CreateOrDie();
  Mutation grow;
  grow.set = {{"a", std::string(300 * 1024, 'a')}};
  ASSERT_TRUE(manager_->Mutate(created.id, grow).ok());
  Mutation too_much;
  too_much.set = {{"b", std::string(300 * 1024, 'b')}};
  EXPECT_TRUE(
      manager_->Mutate(created.id, too_much).status().IsResourceExhausted());
  Result<Session> after = manager_->Get(created.id);
  EXPECT_EQ(after->version, 1);
  EXPECT_EQ(after->attributes.count("b"), 0u);
}

TEST_F(SessionManagerTest,
       SynchronousCallsFromACallbackFailInsteadOfDeadlocking) {
  const Session created = CreateOrDie();
  std::promise<Status> inner;
  manager_->GetAsync(created.id, ReadConsistency::kSequential,
                     [&](Result<Session>) {
                       inner.set_value(manager_->Get(created.id).status());
                     });
  EXPECT_TRUE(inner.get_future().get().IsFailedPrecondition());
}

TEST_F(SessionManagerTest, TheMetaZnodeRecordsTheLayoutAndBucketCount) {
  auto again = OpenManager([&] {
    auto o = options_;
    o.bucket_count = 64;  // Ignored: the root already fixed 16.
    return o;
  }());
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(SessionManagerTestPeer::store(*again).bucket_count(), 16u);
  Result<zk::Children> buckets =
      raw_->GetChildrenSync(options_.root + "/sessions");
  ASSERT_TRUE(buckets.ok());
  EXPECT_EQ(buckets->names.size(), 16u);
}

TEST_F(SessionManagerTest, ARecordFromANewerFormatIsReadButNeverRewritten) {
  // A newer node may have added fields this build would drop on re-encode.
  const Session created = CreateOrDie();
  flatbuffers::FlatBufferBuilder b;
  auto id = b.CreateString(created.id);
  auto writer = b.CreateString("future-node");
  fb::SessionRecordBuilder rb(b);
  rb.add_format_version(2);
  rb.add_id(id);
  rb.add_created_at_ms(created.created_at_ms);
  rb.add_last_access_at_ms(created.last_access_at_ms);
  rb.add_max_idle_ms(created.max_idle_ms);
  rb.add_last_writer(writer);
  rb.add_write_nonce(42);
  b.Finish(rb.Finish(), fb::SessionRecordIdentifier());
  const std::string bytes(reinterpret_cast<const char*>(b.GetBufferPointer()),
                          b.GetSize());
  ASSERT_TRUE(raw_->SetSync(SessionPath(created.id), bytes, 0).ok());

  EXPECT_TRUE(manager_->Get(created.id, ReadConsistency::kSequential).ok());
  Mutation m;
  m.set = {{"a", "b"}};
  EXPECT_TRUE(manager_->Mutate(created.id, m).status().IsFailedPrecondition());
  EXPECT_TRUE(manager_->RotateId(created.id).status().IsFailedPrecondition());
  EXPECT_EQ(raw_->GetSync(SessionPath(created.id))->data, bytes);
}

TEST_F(SessionManagerTest, ErrorMessagesNeverRevealAWholeSessionId) {
  // Ids are bearer credentials: messages end up in logs.
  const std::string missing = "QUJDREVGR0hJSktMTU5PUA";
  ASSERT_TRUE(session::ValidateSessionId(missing).ok());
  const Status s = manager_->Get(missing).status();
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message().find(missing), std::string::npos) << s;
  EXPECT_NE(s.message().find("QUJD..."), std::string::npos) << s;
}

}  // namespace
}  // namespace sessionkeeper
