// UTF-8 validity: decides whether an attribute value can travel as a JSON
// string or must go base64-encoded.
#ifndef SESSIONKEEPER_SERVER_UTF8_H_
#define SESSIONKEEPER_SERVER_UTF8_H_

#include <string_view>

namespace sessionkeeper::server {

// True when `text` is well-formed UTF-8 (RFC 3629: shortest forms only, no
// surrogates, nothing above U+10FFFF). NUL and other control characters are
// valid UTF-8 and JSON escapes them.
bool IsValidUtf8(std::string_view text);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_UTF8_H_
