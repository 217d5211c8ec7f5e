// Znode path checks and helpers. Every path is validated before it reaches
// the C client, so a malformed one is an InvalidArgument and nothing is sent.
#ifndef SESSIONKEEPER_ZK_PATH_H_
#define SESSIONKEEPER_ZK_PATH_H_

#include <string>
#include <string_view>

#include "sessionkeeper/status.h"

namespace sessionkeeper::zk {

// A valid absolute znode path: starts with '/', no empty, "." or ".."
// component, no trailing '/' (except the root "/"), no control characters.
Status ValidatePath(std::string_view path);

// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
std::string JoinPath(std::string_view parent, std::string_view child);

// The parent of a valid non-root path ("/a/b" -> "/a", "/a" -> "/").
std::string ParentPath(std::string_view path);

}  // namespace sessionkeeper::zk

#endif  // SESSIONKEEPER_ZK_PATH_H_
