// Meta znode <-> StoreMeta through the generated FlatBuffers code.
#include "store/meta_codec.h"

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "meta_generated.h"

namespace sessionkeeper::store {

std::string EncodeStoreMeta(const StoreMeta& meta) {
  flatbuffers::FlatBufferBuilder builder(64);
  builder.Finish(fb::CreateMeta(builder, meta.layout_version, meta.bucket_count,
                                meta.created_at_ms),
                 fb::MetaIdentifier());
  return {reinterpret_cast<const char*>(builder.GetBufferPointer()),
          builder.GetSize()};
}

Result<StoreMeta> DecodeStoreMeta(std::string_view bytes) {
  const Status invalid =
      Status::DataLoss("store meta: not a valid Meta record");
  if (bytes.size() < 8) return invalid;
  // FlatBuffers reads scalars in place (created_at_ms is an int64), and its
  // verifier checks alignment only relative to the buffer start: copy
  // misaligned bytes first.
  std::vector<uint64_t> aligned;
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(data) % alignof(uint64_t) != 0) {
    aligned.resize((bytes.size() + sizeof(uint64_t) - 1) / sizeof(uint64_t));
    std::memcpy(aligned.data(), bytes.data(), bytes.size());
    data = reinterpret_cast<const uint8_t*>(aligned.data());
  }
  flatbuffers::Verifier verifier(data, bytes.size());
  if (!fb::MetaBufferHasIdentifier(data) || !fb::VerifyMetaBuffer(verifier)) {
    return invalid;
  }
  const fb::Meta* meta = fb::GetMeta(data);
  StoreMeta out;
  out.layout_version = meta->layout_version();
  out.bucket_count = meta->bucket_count();
  out.created_at_ms = meta->created_at_ms();
  if (out.layout_version == 0 || out.bucket_count == 0 ||
      out.bucket_count > 4096) {
    return Status::DataLoss("store meta: implausible layout or bucket count");
  }
  return out;
}

}  // namespace sessionkeeper::store
