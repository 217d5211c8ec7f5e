// Meta znode <-> StoreMeta through the generated FlatBuffers code.
#include "store/meta_codec.h"

#include <flatbuffers/flatbuffers.h>

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
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier verifier(data, bytes.size());
  if (bytes.size() < 8 || !fb::MetaBufferHasIdentifier(data) ||
      !fb::VerifyMetaBuffer(verifier)) {
    return Status::DataLoss("store meta: not a valid Meta record");
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
