// UTF-8 validity check (RFC 3629).
#include "common/utf8.h"

#include <cstdint>
#include <cstring>

namespace sessionkeeper {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Mostly ASCII: eight bytes at a time while none has its high bit set.
    if (text.size() - i >= 8) {
      uint64_t word = 0;
      std::memcpy(&word, text.data() + i, sizeof(word));
      if ((word & kHighBits) == 0) {
        i += 8;
        continue;
      }
    }
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

}  // namespace sessionkeeper
