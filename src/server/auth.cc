// Bearer token check.
#include "server/auth.h"

#include <cctype>

namespace sessionkeeper::server {

bool BearerTokenMatches(const char* authorization, std::string_view token) {
  if (authorization == nullptr || token.empty()) return false;
  std::string_view header(authorization);
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) {
      return false;
    }
  }
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  // The length is not secret (it is fixed by the deployment).
  if (header.size() != token.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(header[i] ^ token[i]);
  }
  return diff == 0;
}

}  // namespace sessionkeeper::server
