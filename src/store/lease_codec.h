// Encoding of a lease znode (FlatBuffers table sessionkeeper.fb.LeaseRecord).
#ifndef SESSIONKEEPER_STORE_LEASE_CODEC_H_
#define SESSIONKEEPER_STORE_LEASE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sessionkeeper/result.h"

namespace sessionkeeper::store {

struct LeaseRecord {
  std::string holder;
  int64_t expires_at_ms = 0;
  int64_t ttl_ms = 0;
  std::string node_id;
};

std::string EncodeLeaseRecord(const LeaseRecord& record);
// DataLoss when the bytes are not a valid LeaseRecord.
Result<LeaseRecord> DecodeLeaseRecord(std::string_view bytes);

}  // namespace sessionkeeper::store

#endif  // SESSIONKEEPER_STORE_LEASE_CODEC_H_
