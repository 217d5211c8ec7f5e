// Client authentication: a shared bearer token, compared in constant time.
#ifndef SESSIONKEEPER_SERVER_AUTH_H_
#define SESSIONKEEPER_SERVER_AUTH_H_

#include <string_view>

namespace sessionkeeper::server {

// True when `authorization` (the Authorization header, or null when absent)
// is "Bearer <token>" (scheme case-insensitive). The comparison takes the
// same time wherever the first difference is.
bool BearerTokenMatches(const char* authorization, std::string_view token);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_AUTH_H_
