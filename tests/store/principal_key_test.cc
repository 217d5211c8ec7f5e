// PrincipalKey: truncated SHA-256, fixed length, path-safe.
#include "store/principal_key.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sessionkeeper::store {
namespace {

TEST(PrincipalKeyTest, IsTheFirst16BytesOfSha256AsLowercaseHex) {
  // printf alice | sha256sum -> 2bd806c97f0e00af1a1fc3328fa763a9269723c8...
  EXPECT_EQ(PrincipalKey("alice"), "2bd806c97f0e00af1a1fc3328fa763a9");
  // printf '' | sha256sum -> e3b0c44298fc1c149afbf4c8996fb924...
  EXPECT_EQ(PrincipalKey(""), "e3b0c44298fc1c149afbf4c8996fb924");
}

TEST(PrincipalKeyTest, IsAlways32PathSafeCharacters) {
  for (const std::string& principal :
       {std::string(""), std::string("a"), std::string("../zookeeper"),
        std::string("a/b\n\0c", 6), std::string(1024, '\xff'),
        std::string(1 << 20, 'x')}) {
    const std::string key = PrincipalKey(principal);
    ASSERT_EQ(key.size(), kPrincipalKeyLength);
    EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos)
        << key;
  }
}

TEST(PrincipalKeyTest, DistinctPrincipalsGetDistinctKeys) {
  std::set<std::string> keys;
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(keys.insert(PrincipalKey("user" + std::to_string(i))).second);
  }
  EXPECT_NE(PrincipalKey("alice"), PrincipalKey("Alice"));
}

}  // namespace
}  // namespace sessionkeeper::store
