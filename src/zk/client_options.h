// Options for opening a zk::Client, with their defaults.
#ifndef SESSIONKEEPER_ZK_CLIENT_OPTIONS_H_
#define SESSIONKEEPER_ZK_CLIENT_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "zk/credentials.h"

namespace sessionkeeper::zk {

struct ClientOptions {
  // "host:port[,host:port...][/chroot]". The chroot must exist.
  std::string connect_string;

  // Requested session timeout; the server clamps it to its
  // [minSessionTimeout, maxSessionTimeout].
  std::chrono::milliseconds session_timeout{10000};

  // Digest credentials. When set, the client authenticates on every handle
  // and everything it creates carries a creator-only ACL.
  std::optional<DigestCredentials> credentials;

  // Largest data payload accepted for one request. ZooKeeper's
  // jute.maxbuffer (1 MiB by default) bounds a whole packet, so keep room
  // for the header and path.
  size_t max_data_bytes = 1024 * 1024 - 4096;

  // Name prefix of the callback thread, for debuggers and logs.
  std::string thread_name = "sk-zk";
};

}  // namespace sessionkeeper::zk

#endif  // SESSIONKEEPER_ZK_CLIENT_OPTIONS_H_
