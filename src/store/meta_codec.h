// Encoding of the <root>/meta znode (FlatBuffers table sessionkeeper.fb.Meta).
#ifndef SESSIONKEEPER_STORE_META_CODEC_H_
#define SESSIONKEEPER_STORE_META_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sessionkeeper/result.h"

namespace sessionkeeper::store {

// The znode layout this build reads and writes.
inline constexpr uint32_t kLayoutVersion = 1;

struct StoreMeta {
  uint32_t layout_version = kLayoutVersion;
  uint32_t bucket_count = 0;
  int64_t created_at_ms = 0;
};

std::string EncodeStoreMeta(const StoreMeta& meta);
// DataLoss when the bytes are not a valid Meta.
Result<StoreMeta> DecodeStoreMeta(std::string_view bytes);

}  // namespace sessionkeeper::store

#endif  // SESSIONKEEPER_STORE_META_CODEC_H_
