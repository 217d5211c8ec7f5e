// Member znode <-> Member through the generated FlatBuffers code.
#include "store/member_codec.h"

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <vector>

#include "member_generated.h"

namespace sessionkeeper::store {

std::string EncodeMember(const Member& member) {
  flatbuffers::FlatBufferBuilder builder(128);
  auto node_id = builder.CreateString(member.node_id);
  auto address = builder.CreateString(member.address);
  builder.Finish(
      fb::CreateMember(builder, node_id, address, member.started_at_ms),
      fb::MemberIdentifier());
  return {reinterpret_cast<const char*>(builder.GetBufferPointer()),
          builder.GetSize()};
}

Result<Member> DecodeMember(std::string_view bytes) {
  // The verifier needs an aligned buffer; ZooKeeper's bytes come unaligned.
  std::vector<uint8_t> aligned(bytes.begin(), bytes.end());
  flatbuffers::Verifier verifier(aligned.data(), aligned.size());
  if (aligned.size() < 8 || !fb::MemberBufferHasIdentifier(aligned.data()) ||
      !fb::VerifyMemberBuffer(verifier)) {
    return Status::DataLoss("member: not a valid Member record");
  }
  const fb::Member* m = fb::GetMember(aligned.data());
  Member out;
  if (m->node_id() != nullptr) out.node_id = m->node_id()->str();
  if (m->address() != nullptr) out.address = m->address()->str();
  out.started_at_ms = m->started_at_ms();
  return out;
}

}  // namespace sessionkeeper::store
