// Encoding of a member znode (FlatBuffers table sessionkeeper.fb.Member).
#ifndef SESSIONKEEPER_STORE_MEMBER_CODEC_H_
#define SESSIONKEEPER_STORE_MEMBER_CODEC_H_

#include <string>
#include <string_view>

#include "sessionkeeper/events.h"
#include "sessionkeeper/result.h"

namespace sessionkeeper::store {

std::string EncodeMember(const Member& member);
// DataLoss when the bytes are not a valid Member.
Result<Member> DecodeMember(std::string_view bytes);

}  // namespace sessionkeeper::store

#endif  // SESSIONKEEPER_STORE_MEMBER_CODEC_H_
