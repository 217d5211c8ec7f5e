// Which live member owns each session bucket: rendezvous (highest random
// weight) hashing, so a membership change moves only the buckets of the
// member that came or went, and every member computes the same answer.
#ifndef SESSIONKEEPER_LIFECYCLE_BUCKET_OWNERSHIP_H_
#define SESSIONKEEPER_LIFECYCLE_BUCKET_OWNERSHIP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sessionkeeper::lifecycle {

// The weight of `member` for `bucket`: the first 8 bytes of
// SHA-256("<member>/<bucket>"), the same on every platform and build.
uint64_t RendezvousWeight(std::string_view member, uint32_t bucket);

// The member (of `members`, non-empty) that owns `bucket`.
const std::string& BucketOwner(const std::vector<std::string>& members,
                               uint32_t bucket);

// The buckets `self` owns among `members` (which should include it).
std::vector<uint32_t> OwnedBuckets(const std::string& self,
                                   const std::vector<std::string>& members,
                                   uint32_t bucket_count);

}  // namespace sessionkeeper::lifecycle

#endif  // SESSIONKEEPER_LIFECYCLE_BUCKET_OWNERSHIP_H_
