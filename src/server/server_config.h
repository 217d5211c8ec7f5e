// ServerConfig: everything sessionkeeperd runs with, validated (see
// flags.cc, which builds it from the command line).
#ifndef SESSIONKEEPER_SERVER_SERVER_CONFIG_H_
#define SESSIONKEEPER_SERVER_SERVER_CONFIG_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/listen_address.h"
#include "sessionkeeper/options.h"

namespace sessionkeeper::server {

struct ServerConfig {
  ListenAddress listen;
  // Event-loop threads, each serving the shared listening socket.
  int threads = 1;
  // Required as "Authorization: Bearer <token>" on /v1 when not empty.
  std::string auth_token;

  // Parser limits (libevent answers 413 above them).
  size_t max_body_bytes = size_t{1024} * 1024;
  size_t max_header_bytes = size_t{16} * 1024;
  // A connection with no progress in either direction for this long is
  // closed (idle keep-alive connections and slow clients alike).
  std::chrono::seconds idle_timeout{60};
  // A request must arrive completely (line, headers, body) within this long
  // of its first byte, however steadily it trickles in.
  std::chrono::seconds request_read_timeout{30};
  // The longest a request waits for ZooKeeper before it is answered 503.
  std::chrono::milliseconds request_timeout{10000};

  // When set, the bound "host:port" is written there once serving (for
  // --listen with port 0).
  std::string port_file;

  SessionManagerOptions manager;
};

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_SERVER_CONFIG_H_
