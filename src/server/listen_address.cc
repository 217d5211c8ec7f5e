// Parsing and printing of listen addresses.
#include "server/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace sessionkeeper::server {

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const Status bad = Status::InvalidArgument(
      "expected HOST:PORT with a numeric IPv4 host or a bracketed IPv6 host, "
      "e.g. 127.0.0.1:8080 or [::1]:8080");
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5) return bad;
  int port = 0;
  for (const char c : port_text) {
    if (c < '0' || c > '9') return bad;
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return bad;

  ListenAddress out;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad;
    const std::string h(host.substr(1, host.size() - 2));
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET6, h.c_str(), &a6.sin6_addr) != 1) return bad;
    std::memcpy(&out.addr, &a6, sizeof(a6));
    out.length = sizeof(a6);
    return out;
  }
  const std::string h(host);
  sockaddr_in a4{};
  a4.sin_family = AF_INET;
  a4.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, h.c_str(), &a4.sin_addr) != 1) return bad;
  std::memcpy(&out.addr, &a4, sizeof(a4));
  out.length = sizeof(a4);
  return out;
}

std::string FormatAddress(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(addr);
    ::inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
    return "[" + std::string(host) +
           "]:" + std::to_string(ntohs(a6->sin6_port));
  }
  const auto* a4 = reinterpret_cast<const sockaddr_in*>(addr);
  ::inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
  return std::string(host) + ":" + std::to_string(ntohs(a4->sin_port));
}

}  // namespace sessionkeeper::server
