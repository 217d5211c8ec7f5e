// Rendezvous bucket ownership.
#include "lifecycle/bucket_ownership.h"

#include <gtest/gtest.h>

#include <map>

namespace sessionkeeper::lifecycle {
namespace {

TEST(BucketOwnershipTest, EveryBucketHasExactlyOneOwner) {
  const std::vector<std::string> members = {"a", "b", "c"};
  std::map<uint32_t, int> owners;
  for (const auto& m : members) {
    for (uint32_t b : OwnedBuckets(m, members, 256)) ++owners[b];
  }
  ASSERT_EQ(owners.size(), 256u);
  for (const auto& [bucket, count] : owners) EXPECT_EQ(count, 1) << bucket;
}

TEST(BucketOwnershipTest, BucketsSpreadRoughlyEvenly) {
  const std::vector<std::string> members = {"n1", "n2", "n3", "n4"};
  for (const auto& m : members) {
    const size_t n = OwnedBuckets(m, members, 256).size();
    EXPECT_GT(n, 30u) << m;
    EXPECT_LT(n, 100u) << m;
  }
}

TEST(BucketOwnershipTest, ALeavingMemberMovesOnlyItsOwnBuckets) {
  const std::vector<std::string> before = {"a", "b", "c"};
  const std::vector<std::string> after = {"a", "c"};
  for (uint32_t b = 0; b < 256; ++b) {
    const std::string& old_owner = BucketOwner(before, b);
    if (old_owner != "b") EXPECT_EQ(BucketOwner(after, b), old_owner) << b;
  }
}

TEST(BucketOwnershipTest, TheWeightIsStableAcrossBuilds) {
  // The first 8 bytes of SHA-256("node/7"): every member, on any platform,
  // computes the same owners.
  EXPECT_EQ(RendezvousWeight("a", 0), RendezvousWeight("a", 0));
  EXPECT_NE(RendezvousWeight("a", 0), RendezvousWeight("a", 1));
  EXPECT_EQ(RendezvousWeight("node", 7), 0x6331b078c4131812ULL);
}

}  // namespace
}  // namespace sessionkeeper::lifecycle
