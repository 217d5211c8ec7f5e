// A store opened with credentials: clients without them can read nothing and
// change nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

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
using ::sessionkeeper::testing::UniqueTestPath;

std::string WriteCredentials(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("sk-creds-" + std::to_string(::getpid()) + "-" +
                     std::to_string(std::hash<std::string>{}(text)));
  std::ofstream(path) << text << "\n";
  ::chmod(path.c_str(), 0600);
  return path.string();
}

TEST(SecurityTest, WithoutTheCredentialsNothingCanBeReadOrChanged) {
  SessionManagerOptions options = ManagerOptions(UniqueTestPath("secure"));
  options.credentials_file = WriteCredentials("app:correct-horse");
  auto manager = OpenManager(options);
  ASSERT_NE(manager, nullptr);
  CreateRequest request;
  request.principal = "alice";
  request.attributes = {{"secret", "value"}};
  Result<Session> s = manager->Create(request);
  ASSERT_TRUE(s.ok()) << s.status();
  store::SessionStore& store = SessionManagerTestPeer::store(*manager);
  const std::string path = store.SessionPath(s->id);

  auto anonymous = OpenConnectedClient();
  ASSERT_NE(anonymous, nullptr);
  EXPECT_TRUE(anonymous->GetSync(path).status().IsPermissionDenied());
  EXPECT_TRUE(anonymous->SetSync(path, "x", zk::kAnyVersion)
                  .status()
                  .IsPermissionDenied());
  EXPECT_TRUE(
      anonymous->DeleteSync(path, zk::kAnyVersion).IsPermissionDenied());
  EXPECT_TRUE(anonymous->GetChildrenSync(options.root + "/sessions")
                  .status()
                  .IsPermissionDenied());
  EXPECT_TRUE(anonymous->GetChildrenSync(store.PrincipalPath("alice"))
                  .status()
                  .IsPermissionDenied());
  EXPECT_TRUE(anonymous->CreateSync(options.root + "/sessions/evil", "")
                  .status()
                  .IsPermissionDenied());

  // A manager with other credentials cannot even open the store's layout
  // for reading sessions.
  SessionManagerOptions intruder = options;
  intruder.credentials_file = WriteCredentials("app:wrong");
  Result<std::unique_ptr<SessionManager>> other =
      SessionManager::Open(intruder);
  if (other.ok()) {
    EXPECT_FALSE((*other)->Get(s->id, ReadConsistency::kSequential).ok());
  } else {
    EXPECT_TRUE(other.status().IsPermissionDenied()) << other.status();
  }
  // The owner still reads it intact.
  Result<Session> mine = manager->Get(s->id, ReadConsistency::kSequential);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->attributes.at("secret"), "value");
  EXPECT_EQ(mine->version, 0);
}

}  // namespace
}  // namespace sessionkeeper
