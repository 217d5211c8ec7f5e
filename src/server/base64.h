// Base64 (RFC 4648 section 4, standard alphabet, with padding): how binary
// attribute values travel in JSON ("set_b64", "attributes_b64").
#ifndef SESSIONKEEPER_SERVER_BASE64_H_
#define SESSIONKEEPER_SERVER_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace sessionkeeper::server {

std::string Base64Encode(std::string_view bytes);

// The decoded bytes, or nullopt unless `text` is canonical base64: standard
// alphabet, padded to a multiple of 4, no whitespace, and unused trailing
// bits zero. Strict so that every value has exactly one spelling.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_BASE64_H_
