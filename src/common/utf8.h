// UTF-8 validity (RFC 3629), shared by name checks and the JSON layer.
#ifndef SESSIONKEEPER_COMMON_UTF8_H_
#define SESSIONKEEPER_COMMON_UTF8_H_

#include <string_view>

namespace sessionkeeper {

// True when `text` is well-formed UTF-8: shortest forms only, no surrogates,
// nothing above U+10FFFF, no truncated sequence, so every reader (other
// languages, JSON, logs) sees the same text. NUL and other control
// characters are valid UTF-8; callers that forbid them check separately.
bool IsValidUtf8(std::string_view text);

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_COMMON_UTF8_H_
