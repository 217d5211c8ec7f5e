// Digest authentication and creator-only ACLs against a real server.
#include <gtest/gtest.h>

#include "support/zk_client.h"
#include "support/zk_server.h"
#include "zk/client.h"

namespace sessionkeeper::zk {
namespace {

using ::sessionkeeper::testing::OpenConnectedClient;
using ::sessionkeeper::testing::UniqueTestPath;

ClientOptions WithCredentials(const std::string& user,
                              const std::string& password) {
  ClientOptions options;
  options.credentials = DigestCredentials{user, password};
  return options;
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = OpenConnectedClient(WithCredentials("sk", "s3cret"));
    ASSERT_NE(owner_, nullptr);
    base_ = UniqueTestPath("auth");
    // The parent is protected too: deleting a node needs rights on its
    // parent.
    ASSERT_TRUE(owner_->CreateSync(base_, "").ok());
    ASSERT_TRUE(owner_->CreateSync(base_ + "/secret", "payload").ok());
  }

  // Every way `intruder` could read or change the protected nodes fails
  // with PermissionDenied, and nothing changed.
  void ExpectLockedOut(Client& intruder) {
    const std::string secret = base_ + "/secret";
    EXPECT_TRUE(intruder.GetSync(secret).status().IsPermissionDenied());
    EXPECT_TRUE(intruder.GetChildrenSync(base_).status().IsPermissionDenied());
    EXPECT_TRUE(intruder.SetSync(secret, "evil", kAnyVersion)
                    .status()
                    .IsPermissionDenied());
    EXPECT_TRUE(intruder.DeleteSync(secret, kAnyVersion).IsPermissionDenied());
    EXPECT_TRUE(
        intruder.CreateSync(base_ + "/new", "").status().IsPermissionDenied());
    MultiResult multi =
        intruder.MultiSync({Op::Set(secret, "evil", kAnyVersion)});
    EXPECT_TRUE(multi.status.IsPermissionDenied()) << multi.status;

    Result<NodeData> still = owner_->GetSync(secret);
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(still->data, "payload");
    EXPECT_EQ(still->stat.version, 0);
    EXPECT_EQ(owner_->GetChildrenSync(base_)->names.size(), 1u);
  }

  std::unique_ptr<Client> owner_;
  std::string base_;
};

TEST_F(AuthTest, AClientWithoutCredentialsCanReadNothingAndChangeNothing) {
  auto anonymous = OpenConnectedClient();
  ASSERT_NE(anonymous, nullptr);
  ExpectLockedOut(*anonymous);
}

TEST_F(AuthTest, AClientWithTheWrongPasswordCanReadNothingAndChangeNothing) {
  auto wrong = OpenConnectedClient(WithCredentials("sk", "guess"));
  ASSERT_NE(wrong, nullptr);
  ExpectLockedOut(*wrong);
}

TEST_F(AuthTest, AnotherClientWithTheSameCredentialsReadsAndWrites) {
  auto peer = OpenConnectedClient(WithCredentials("sk", "s3cret"));
  ASSERT_NE(peer, nullptr);
  Result<NodeData> got = peer->GetSync(base_ + "/secret");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->data, "payload");
  EXPECT_TRUE(peer->SetSync(base_ + "/secret", "v2", 0).ok());
}

}  // namespace
}  // namespace sessionkeeper::zk
