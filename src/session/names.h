// Checks for the user-supplied names stored in a session: attribute names and
// principals. They are checked before they are stored and again when read.
#ifndef SESSIONKEEPER_SESSION_NAMES_H_
#define SESSIONKEEPER_SESSION_NAMES_H_

#include <cstddef>
#include <string_view>

#include "sessionkeeper/status.h"

namespace sessionkeeper::session {

inline constexpr size_t kMaxAttributeNameBytes = 256;
inline constexpr size_t kMaxPrincipalBytes = 1024;

// OK when `name` is 1..kMaxAttributeNameBytes bytes of valid UTF-8 without
// control characters (bytes below 0x20, and 0x7f); otherwise InvalidArgument.
// The message never repeats the name.
Status ValidateAttributeName(std::string_view name);

// OK when `principal` is 1..kMaxPrincipalBytes bytes of valid UTF-8 without
// control characters; otherwise InvalidArgument. The message never repeats
// the principal (it identifies a user).
Status ValidatePrincipal(std::string_view principal);

}  // namespace sessionkeeper::session

#endif  // SESSIONKEEPER_SESSION_NAMES_H_
