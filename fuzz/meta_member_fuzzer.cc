// Fuzzes the decoders of the <root>/meta znode and of member znodes
// (src/store/meta_codec.h, member_codec.h) with arbitrary bytes: no crash or
// undefined behaviour at any alignment, the same verdict at every
// alignment, and whatever decodes re-encodes to the same values.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "store/member_codec.h"
#include "store/meta_codec.h"

namespace {

using sessionkeeper::Member;
using sessionkeeper::Result;
using sessionkeeper::store::StoreMeta;

// The same bytes starting at an odd address.
std::string_view Misaligned(std::string_view bytes,
                            std::vector<uint64_t>* storage) {
  storage->assign(bytes.size() / sizeof(uint64_t) + 2, 0);
  char* odd = reinterpret_cast<char*>(storage->data()) + 1;
  if (!bytes.empty()) std::memcpy(odd, bytes.data(), bytes.size());
  return {odd, bytes.size()};
}

bool SameMeta(const StoreMeta& a, const StoreMeta& b) {
  return a.layout_version == b.layout_version &&
         a.bucket_count == b.bucket_count && a.created_at_ms == b.created_at_ms;
}

bool SameMember(const Member& a, const Member& b) {
  return a.node_id == b.node_id && a.address == b.address &&
         a.started_at_ms == b.started_at_ms;
}

void FuzzMeta(std::string_view bytes, std::string_view odd) {
  using sessionkeeper::store::DecodeStoreMeta;
  const Result<StoreMeta> meta = DecodeStoreMeta(bytes);
  const Result<StoreMeta> shifted = DecodeStoreMeta(odd);
  FUZZ_CHECK(meta.ok() == shifted.ok());
  if (!meta.ok()) {
    FUZZ_CHECK(meta.status().IsDataLoss());
    return;
  }
  FUZZ_CHECK(SameMeta(*meta, *shifted));
  FUZZ_CHECK(meta->layout_version != 0);
  FUZZ_CHECK(meta->bucket_count >= 1 && meta->bucket_count <= 4096);
  const Result<StoreMeta> again =
      DecodeStoreMeta(sessionkeeper::store::EncodeStoreMeta(*meta));
  FUZZ_CHECK(again.ok() && SameMeta(*again, *meta));
}

void FuzzMember(std::string_view bytes, std::string_view odd) {
  using sessionkeeper::store::DecodeMember;
  const Result<Member> member = DecodeMember(bytes);
  const Result<Member> shifted = DecodeMember(odd);
  FUZZ_CHECK(member.ok() == shifted.ok());
  if (!member.ok()) {
    FUZZ_CHECK(member.status().IsDataLoss());
    return;
  }
  FUZZ_CHECK(SameMember(*member, *shifted));
  const Result<Member> again =
      DecodeMember(sessionkeeper::store::EncodeMember(*member));
  FUZZ_CHECK(again.ok() && SameMember(*again, *member));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<uint64_t> storage;
  const std::string_view odd = Misaligned(bytes, &storage);
  FuzzMeta(bytes, odd);
  FuzzMember(bytes, odd);
  return 0;
}
