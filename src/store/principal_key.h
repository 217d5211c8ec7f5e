// PrincipalKey: the fixed-length, path-safe name of a principal's index
// znode (/<root>/principals/<key>/<id>).
#ifndef SESSIONKEEPER_STORE_PRINCIPAL_KEY_H_
#define SESSIONKEEPER_STORE_PRINCIPAL_KEY_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace sessionkeeper::store {

inline constexpr size_t kPrincipalKeyLength = 32;

// The first 16 bytes of SHA-256(principal) as kPrincipalKeyLength lowercase
// hex characters. Hashing makes any principal (any length, any bytes) a safe
// znode name and keeps the user name itself out of the tree's names. It is
// stable across builds: it decides where index entries are stored.
//
// Distinct principals can share a key only by a 128-bit collision, but the
// index is a hint all the same: whoever lists it must still check each
// session's stored principal. The hash is unkeyed, so it hides a principal
// only from someone who cannot guess it. Thread-safe.
std::string PrincipalKey(std::string_view principal);

}  // namespace sessionkeeper::store

#endif  // SESSIONKEEPER_STORE_PRINCIPAL_KEY_H_
