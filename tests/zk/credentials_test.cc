// Parsing and loading digest credentials.
#include "zk/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace sessionkeeper::zk {
namespace {

TEST(CredentialsTest, ParsesUserAndPasswordIgnoringTheTrailingNewline) {
  Result<DigestCredentials> creds = ParseDigestCredentials("alice:pa:ss\n");
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->user, "alice");
  EXPECT_EQ(creds->password, "pa:ss");
  EXPECT_EQ(creds->AuthString(), "alice:pa:ss");
}

TEST(CredentialsTest, RejectsMalformedText) {
  for (const std::string& bad :
       {std::string(""), std::string("nocolon"), std::string(":pw"),
        std::string("user:"), std::string("a:b\nc:d"),
        std::string("a:b\0c", 5)}) {
    EXPECT_TRUE(ParseDigestCredentials(bad).status().IsInvalidArgument())
        << bad;
  }
}

TEST(CredentialsTest, LoadsAFileAndReportsAMissingOne) {
  const auto path =
      std::filesystem::temp_directory_path() / "sk-creds-test.txt";
  {
    std::ofstream out(path);
    out << "svc:pw\n";
  }
  ::chmod(path.c_str(), 0600);
  Result<DigestCredentials> creds = LoadDigestCredentials(path.string());
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->user, "svc");
  std::filesystem::remove(path);
  EXPECT_TRUE(
      LoadDigestCredentials(path.string()).status().IsInvalidArgument());
}

}  // namespace
}  // namespace sessionkeeper::zk
