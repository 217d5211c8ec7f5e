// Attribute name and principal checks: length, strict UTF-8, no controls.
#include "session/names.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace sessionkeeper::session {
namespace {

// Strict UTF-8 (RFC 3629): rejects overlong forms, surrogates, code points
// above U+10FFFF and truncated sequences, so that every reader (other
// languages, JSON, logs) sees the same text this check saw.
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<uint8_t>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t code_point = 0;
    uint32_t min_code_point = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
      extra = 1;
      code_point = lead & 0x1fU;
      min_code_point = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      extra = 2;
      code_point = lead & 0x0fU;
      min_code_point = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      extra = 3;
      code_point = lead & 0x07U;
      min_code_point = 0x10000;
    } else {
      return false;  // Continuation byte, 0xc0/0xc1 or 0xf5..0xff.
    }
    if (text.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xc0U) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3fU);
    }
    if (code_point < min_code_point || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

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
