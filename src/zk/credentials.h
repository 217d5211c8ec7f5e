// Digest credentials for ZooKeeper, read from a file.
#ifndef SESSIONKEEPER_ZK_CREDENTIALS_H_
#define SESSIONKEEPER_ZK_CREDENTIALS_H_

#include <string>
#include <string_view>

#include "sessionkeeper/result.h"

namespace sessionkeeper::zk {

// The "user:password" pair of ZooKeeper's digest scheme.
struct DigestCredentials {
  std::string user;
  std::string password;

  // "user:password", the form zoo_add_auth expects.
  std::string AuthString() const { return user + ":" + password; }
};

// Parses "user:password" (one line; surrounding whitespace and a trailing
// newline are ignored). The user may not contain ':'; neither part may be
// empty.
Result<DigestCredentials> ParseDigestCredentials(std::string_view text);

// Reads and parses a credentials file. Warns when other users can read it.
Result<DigestCredentials> LoadDigestCredentials(const std::string& path);

}  // namespace sessionkeeper::zk

#endif  // SESSIONKEEPER_ZK_CREDENTIALS_H_
