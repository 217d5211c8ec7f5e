// Lease znode <-> LeaseRecord through the generated FlatBuffers code.
#include "store/lease_codec.h"

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <vector>

#include "lease_generated.h"

namespace sessionkeeper::store {

std::string EncodeLeaseRecord(const LeaseRecord& record) {
  flatbuffers::FlatBufferBuilder builder(128);
  auto holder = builder.CreateString(record.holder);
  auto node_id = builder.CreateString(record.node_id);
  builder.Finish(fb::CreateLeaseRecord(builder, holder, record.expires_at_ms,
                                       record.ttl_ms, node_id),
                 fb::LeaseRecordIdentifier());
  return {reinterpret_cast<const char*>(builder.GetBufferPointer()),
          builder.GetSize()};
}

Result<LeaseRecord> DecodeLeaseRecord(std::string_view bytes) {
  // The verifier needs an aligned buffer; ZooKeeper's bytes come unaligned.
  std::vector<uint8_t> aligned(bytes.begin(), bytes.end());
  flatbuffers::Verifier verifier(aligned.data(), aligned.size());
  if (aligned.size() < 8 ||
      !fb::LeaseRecordBufferHasIdentifier(aligned.data()) ||
      !fb::VerifyLeaseRecordBuffer(verifier)) {
    return Status::DataLoss("lease: not a valid LeaseRecord");
  }
  const fb::LeaseRecord* r = fb::GetLeaseRecord(aligned.data());
  LeaseRecord out;
  if (r->holder() != nullptr) out.holder = r->holder()->str();
  out.expires_at_ms = r->expires_at_ms();
  out.ttl_ms = r->ttl_ms();
  if (r->node_id() != nullptr) out.node_id = r->node_id()->str();
  return out;
}

}  // namespace sessionkeeper::store
