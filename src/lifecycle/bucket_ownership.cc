// Rendezvous hashing over SHA-256.
#include "lifecycle/bucket_ownership.h"

#include <glog/logging.h>
#include <openssl/evp.h>

#include <array>

namespace sessionkeeper::lifecycle {

uint64_t RendezvousWeight(std::string_view member, uint32_t bucket) {
  std::string input(member);
  input += '/';
  input += std::to_string(bucket);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // As in PrincipalKey: SHA-256 from the default provider does not fail.
  CHECK_EQ(EVP_Digest(input.data(), input.size(), digest.data(), &length,
                      EVP_sha256(), nullptr),
           1);
  uint64_t weight = 0;
  for (int i = 0; i < 8; ++i) weight = (weight << 8) | digest[i];
  return weight;
}

const std::string& BucketOwner(const std::vector<std::string>& members,
                               uint32_t bucket) {
  CHECK(!members.empty());
  const std::string* best = &members.front();
  uint64_t best_weight = RendezvousWeight(*best, bucket);
  for (const std::string& m : members) {
    const uint64_t w = RendezvousWeight(m, bucket);
    // Ties (astronomically rare) go to the smaller name, on every member.
    if (w > best_weight || (w == best_weight && m < *best)) {
      best = &m;
      best_weight = w;
    }
  }
  return *best;
}

std::vector<uint32_t> OwnedBuckets(const std::string& self,
                                   const std::vector<std::string>& members,
                                   uint32_t bucket_count) {
  std::vector<uint32_t> owned;
  if (members.empty()) return owned;
  for (uint32_t b = 0; b < bucket_count; ++b) {
    if (BucketOwner(members, b) == self) owned.push_back(b);
  }
  return owned;
}

}  // namespace sessionkeeper::lifecycle
