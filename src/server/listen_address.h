// ListenAddress: a numeric "host:port" to listen on ("127.0.0.1:8080",
// "[::1]:8080", "0.0.0.0:0" for any free port).
#ifndef SESSIONKEEPER_SERVER_LISTEN_ADDRESS_H_
#define SESSIONKEEPER_SERVER_LISTEN_ADDRESS_H_

#include <sys/socket.h>

#include <string>
#include <string_view>

#include "sessionkeeper/result.h"

namespace sessionkeeper::server {

struct ListenAddress {
  sockaddr_storage addr{};
  socklen_t length = 0;
};

// InvalidArgument unless `text` is a numeric IPv4 address or a bracketed
// IPv6 address, a colon, and a port in [0, 65535]. Names are refused: what
// a name resolves to can change under a running daemon.
Result<ListenAddress> ParseListenAddress(std::string_view text);

// "127.0.0.1:8080" / "[::1]:8080".
std::string FormatAddress(const sockaddr* addr);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_LISTEN_ADDRESS_H_
