// Znode path validation.
#include "zk/path.h"

#include <gtest/gtest.h>

namespace sessionkeeper::zk {
namespace {

TEST(PathTest, AcceptsAbsolutePathsAndTheRoot) {
  for (const char* ok :
       {"/", "/a", "/a/b", "/sessionkeeper/sessions/0f/x_y-Z"}) {
    EXPECT_TRUE(ValidatePath(ok).ok()) << ok;
  }
}

TEST(PathTest, RejectsTraversalEmptyPartsControlCharactersAndRelativePaths) {
  for (const std::string& bad :
       {std::string(""), std::string("a"), std::string("/a/"),
        std::string("//a"), std::string("/a//b"), std::string("/.."),
        std::string("/a/../zookeeper"), std::string("/a/."),
        std::string("/a\nb"), std::string("/a\x7f"), std::string("/a\0b", 4)}) {
    EXPECT_TRUE(ValidatePath(bad).IsInvalidArgument()) << bad;
  }
}

TEST(PathTest, JoinAndParent) {
  EXPECT_EQ(JoinPath("/", "a"), "/a");
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(ParentPath("/a/b"), "/a");
  EXPECT_EQ(ParentPath("/a"), "/");
}

}  // namespace
}  // namespace sessionkeeper::zk
