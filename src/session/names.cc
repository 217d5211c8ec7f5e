// Attribute name and principal checks: length, strict UTF-8, no controls.
#include "session/names.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "common/utf8.h"

namespace sessionkeeper::session {
namespace {

// In UTF-8 the ASCII control bytes only ever stand for themselves, so a byte
// scan finds every one of them.
bool HasControlCharacter(std::string_view text) {
  return std::ranges::any_of(text, [](char c) {
    const auto u = static_cast<uint8_t>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Status ValidateText(std::string_view text, std::string_view what,
                    size_t max_bytes) {
  if (text.empty() || text.size() > max_bytes) {
    return Status::InvalidArgument(std::string(what) + " must be 1.." +
                                   std::to_string(max_bytes) + " bytes (got " +
                                   std::to_string(text.size()) + ")");
  }
  if (!IsValidUtf8(text)) {
    return Status::InvalidArgument(std::string(what) + " is not valid UTF-8");
  }
  if (HasControlCharacter(text)) {
    return Status::InvalidArgument(std::string(what) +
                                   " contains a control character");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateAttributeName(std::string_view name) {
  return ValidateText(name, "attribute name", kMaxAttributeNameBytes);
}

Status ValidatePrincipal(std::string_view principal) {
  return ValidateText(principal, "principal", kMaxPrincipalBytes);
}

}  // namespace sessionkeeper::session
