// zk::Client operations against a real ZooKeeper server.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <numeric>
#include <string>
#include <thread>

#include "support/zk_client.h"
#include "support/zk_server.h"
#include "zk/client.h"

namespace sessionkeeper::zk {
namespace {

using ::sessionkeeper::testing::OpenConnectedClient;
using ::sessionkeeper::testing::UniqueTestPath;

class ClientOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = OpenConnectedClient();
    ASSERT_NE(client_, nullptr);
    root_ = UniqueTestPath("ops");
    ASSERT_TRUE(client_->CreateSync(root_, "").ok());
  }

  std::string Path(const std::string& name) const { return root_ + "/" + name; }

  std::unique_ptr<Client> client_;
  std::string root_;
};

TEST_F(ClientOpsTest, CreateThenGetReturnsTheDataAndVersionZero) {
  Result<Created> created = client_->CreateSync(Path("a"), "hello");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->path, Path("a"));

  Result<NodeData> got = client_->GetSync(Path("a"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->data, "hello");
  EXPECT_EQ(got->stat.version, 0);
  EXPECT_EQ(got->stat.data_length, 5);
  EXPECT_EQ(got->stat.czxid, created->stat.czxid);
}

TEST_F(ClientOpsTest, CreateOfAnExistingNodeIsAlreadyExists) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "1").ok());
  Result<Created> again = client_->CreateSync(Path("a"), "2");
  EXPECT_TRUE(again.status().IsAlreadyExists()) << again.status();
  EXPECT_EQ(client_->GetSync(Path("a"))->data, "1");
}

TEST_F(ClientOpsTest, GetOfAMissingNodeIsNotFound) {
  Result<NodeData> got = client_->GetSync(Path("missing"));
  EXPECT_TRUE(got.status().IsNotFound()) << got.status();
}

TEST_F(ClientOpsTest, SetWithTheExpectedVersionBumpsTheVersion) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "v0").ok());
  Result<Stat> set = client_->SetSync(Path("a"), "v1", 0);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->version, 1);
  EXPECT_EQ(client_->GetSync(Path("a"))->data, "v1");
}

TEST_F(ClientOpsTest, SetWithAStaleVersionIsAbortedAndChangesNothing) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "v0").ok());
  ASSERT_TRUE(client_->SetSync(Path("a"), "v1", 0).ok());
  Result<Stat> stale = client_->SetSync(Path("a"), "lost", 0);
  EXPECT_TRUE(stale.status().IsAborted()) << stale.status();
  EXPECT_FALSE(stale.status().outcome_unknown());
  EXPECT_EQ(client_->GetSync(Path("a"))->data, "v1");
}

TEST_F(ClientOpsTest, DeleteWithAStaleVersionIsAbortedThenTheRightOneDeletes) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "v0").ok());
  ASSERT_TRUE(client_->SetSync(Path("a"), "v1", 0).ok());
  EXPECT_TRUE(client_->DeleteSync(Path("a"), 0).IsAborted());
  ASSERT_TRUE(client_->ExistsSync(Path("a"))->has_value());
  EXPECT_TRUE(client_->DeleteSync(Path("a"), 1).ok());
  EXPECT_FALSE(client_->ExistsSync(Path("a"))->has_value());
}

TEST_F(ClientOpsTest, DeleteOfANodeWithChildrenIsFailedPrecondition) {
  ASSERT_TRUE(client_->CreateSync(Path("p"), "").ok());
  ASSERT_TRUE(client_->CreateSync(Path("p/c"), "").ok());
  EXPECT_TRUE(
      client_->DeleteSync(Path("p"), kAnyVersion).IsFailedPrecondition());
}

TEST_F(ClientOpsTest, ExistsGivesTheStatOrNothing) {
  Result<std::optional<Stat>> missing = client_->ExistsSync(Path("a"));
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(client_->CreateSync(Path("a"), "xyz").ok());
  Result<std::optional<Stat>> present = client_->ExistsSync(Path("a"));
  ASSERT_TRUE(present.ok());
  ASSERT_TRUE(present->has_value());
  EXPECT_EQ((*present)->data_length, 3);
}

TEST_F(ClientOpsTest, GetChildrenListsEveryChild) {
  for (const char* name : {"x", "y", "z"}) {
    ASSERT_TRUE(client_->CreateSync(Path(name), "").ok());
  }
  Result<Children> children = client_->GetChildrenSync(root_);
  ASSERT_TRUE(children.ok()) << children.status();
  std::vector<std::string> names = children->names;
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(children->stat.num_children, 3);
}

TEST_F(ClientOpsTest, SequentialCreateReturnsThePathTheServerChose) {
  Result<Created> created =
      client_->CreateSync(Path("seq-"), "", CreateMode::kPersistentSequential);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->path, Path("seq-0000000000"));
}

TEST_F(ClientOpsTest, EphemeralNodeIsOwnedByTheSessionAndGoesWithIt) {
  auto other = testing::OpenConnectedClient();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->CreateSync(Path("eph"), "", CreateMode::kEphemeral).ok());
  Result<std::optional<Stat>> stat = client_->ExistsSync(Path("eph"));
  ASSERT_TRUE(stat.ok() && stat->has_value());
  EXPECT_EQ((*stat)->ephemeral_owner, other->session_id());
  other.reset();  // Closing the session removes its ephemerals at once.
  EXPECT_FALSE(client_->ExistsSync(Path("eph"))->has_value());
}

TEST_F(ClientOpsTest, MultiAppliesEveryOperation) {
  ASSERT_TRUE(client_->CreateSync(Path("old"), "o").ok());
  MultiResult result = client_->MultiSync({
      Op::Create(Path("new"), "n"),
      Op::Set(Path("old"), "o2", 0),
      Op::Check(Path("old"), 1),
  });
  ASSERT_TRUE(result.ok()) << result.status;
  ASSERT_EQ(result.results.size(), 3u);
  EXPECT_EQ(result.results[0].path, Path("new"));
  EXPECT_EQ(result.results[1].stat.version, 1);
  EXPECT_EQ(client_->GetSync(Path("new"))->data, "n");
  EXPECT_EQ(client_->GetSync(Path("old"))->data, "o2");
}

TEST_F(ClientOpsTest, MultiIsAllOrNothingAndNamesTheFailedOperation) {
  ASSERT_TRUE(client_->CreateSync(Path("old"), "o").ok());
  MultiResult result = client_->MultiSync({
      Op::Create(Path("new"), "n"), Op::Set(Path("old"), "o2", 0),
      Op::Check(Path("old"), 7),  // Wrong version: the whole multi fails.
  });
  EXPECT_TRUE(result.status.IsAborted()) << result.status;
  EXPECT_EQ(result.failed_index, 2u);
  EXPECT_FALSE(client_->ExistsSync(Path("new"))->has_value());
  Result<NodeData> old = client_->GetSync(Path("old"));
  EXPECT_EQ(old->data, "o");
  EXPECT_EQ(old->stat.version, 0);
}

TEST_F(ClientOpsTest, SyncSucceedsOnAConnectedClient) {
  EXPECT_TRUE(client_->SyncSync(root_).ok());
}

TEST_F(ClientOpsTest, LargeValuesComeBackWhole) {
  // zoo_get would truncate to a fixed buffer; the client must not.
  std::string big(900 * 1024, 'x');
  big[12345] = 'y';
  ASSERT_TRUE(client_->CreateSync(Path("big"), big).ok());
  Result<NodeData> got = client_->GetSync(Path("big"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->data.size(), big.size());
  EXPECT_EQ(got->data, big);
}

TEST_F(ClientOpsTest, OversizedDataIsRejectedBeforeAnythingIsSent) {
  const std::string huge(2 * 1024 * 1024, 'x');
  Result<Created> created = client_->CreateSync(Path("huge"), huge);
  EXPECT_TRUE(created.status().IsResourceExhausted()) << created.status();
  EXPECT_FALSE(client_->ExistsSync(Path("huge"))->has_value());
}

TEST_F(ClientOpsTest, InvalidPathsAreRejectedAndNothingIsCreated) {
  const std::string nul_path = root_ + std::string("/a\0b", 4);
  for (const std::string& bad :
       {std::string(""), std::string("relative"), root_ + "/../zookeeper",
        root_ + "/./a", root_ + "//a", root_ + "/", nul_path}) {
    Result<Created> created = client_->CreateSync(bad, "x");
    EXPECT_TRUE(created.status().IsInvalidArgument())
        << "path '" << bad << "': " << created.status();
  }
  EXPECT_TRUE(client_->GetChildrenSync(root_)->names.empty());
  EXPECT_TRUE(
      client_->ExistsSync("/zookeeper/../x").status().IsInvalidArgument());
}

TEST_F(ClientOpsTest, CallbacksRunOnTheCallbackThreadInCompletionOrder) {
  std::promise<void> all_done;
  std::vector<int> order;
  std::atomic<bool> on_callback_thread{true};
  constexpr int kOps = 50;
  for (int i = 0; i < kOps; ++i) {
    client_->Create(Path("n" + std::to_string(i)), "", CreateMode::kPersistent,
                    [&, i](Result<Created> r) {
                      if (!client_->OnCallbackThread() || !r.ok()) {
                        on_callback_thread = false;
                      }
                      order.push_back(i);  // Callbacks are serial.
                      if (i == kOps - 1) all_done.set_value();
                    });
  }
  all_done.get_future().wait();
  EXPECT_TRUE(on_callback_thread);
  std::vector<int> expected(kOps);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(order, expected);
}

TEST_F(ClientOpsTest, SynchronousCallFromACallbackFailsInsteadOfDeadlocking) {
  std::promise<Status> from_callback;
  client_->Get(root_, [&](Result<NodeData>) {
    from_callback.set_value(client_->GetSync(root_).status());
  });
  const Status s = from_callback.get_future().get();
  EXPECT_TRUE(s.IsFailedPrecondition()) << s;
}

TEST_F(ClientOpsTest, ChrootInTheConnectStringScopesEveryPath) {
  ClientOptions options;
  options.connect_string =
      testing::SharedZkConnectString() + root_;  // root_ is the chroot.
  auto chrooted = OpenConnectedClient(options);
  ASSERT_NE(chrooted, nullptr);
  ASSERT_TRUE(chrooted->CreateSync("/inside", "c").ok());
  EXPECT_EQ(client_->GetSync(Path("inside"))->data, "c");
  EXPECT_TRUE(chrooted->GetSync("/inside").ok());
}

TEST_F(ClientOpsTest, EnsurePathCreatesMissingAncestorsAndToleratesExisting) {
  ASSERT_TRUE(client_->EnsurePathSync(Path("a/b/c")).ok());
  EXPECT_TRUE(client_->ExistsSync(Path("a/b/c"))->has_value());
  EXPECT_TRUE(client_->EnsurePathSync(Path("a/b/c")).ok());
}

TEST_F(ClientOpsTest, DestroyingTheClientCompletesEveryPendingOperation) {
  auto doomed = OpenConnectedClient();
  ASSERT_NE(doomed, nullptr);
  std::atomic<int> completed{0};
  constexpr int kOps = 200;
  for (int i = 0; i < kOps; ++i) {
    doomed->Get(root_, [&](Result<NodeData>) { ++completed; });
  }
  doomed.reset();
  EXPECT_EQ(completed.load(), kOps);
}

}  // namespace
}  // namespace sessionkeeper::zk
