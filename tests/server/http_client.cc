// Raw-socket HTTP client.
#include "server/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace sessionkeeper::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Connected (blocking) socket, or -1.
int Connect(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port =
      htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr) !=
      1) {
    return -1;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Parses `data` once the header block is complete. Returns true when a
// whole response is there (`closed`: the server has closed).
bool TryParse(const std::string& data, bool closed, HttpResponse* out) {
  const size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  HttpResponse response;
  size_t line_end = data.find("\r\n");
  const std::string status_line = data.substr(0, line_end);
  const size_t space = status_line.find(' ');
  if (space == std::string::npos) return false;
  response.status = std::atoi(status_line.c_str() + space + 1);
  size_t pos = line_end + 2;
  while (pos < end) {
    line_end = data.find("\r\n", pos);
    const std::string line = data.substr(pos, line_end - pos);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.headers[Lower(line.substr(0, colon))] = value;
    }
    pos = line_end + 2;
  }
  const std::string body = data.substr(end + 4);
  const auto length = response.headers.find("content-length");
  if (length != response.headers.end()) {
    const size_t want = std::stoul(length->second);
    // Closed early: a HEAD answer, or a truncated one the test will see.
    if (body.size() < want && !closed) return false;
    response.body = body.substr(0, want);
  } else if (response.status == 204 || response.status == 304) {
    response.body.clear();
  } else {
    if (!closed) return false;
    response.body = body;
  }
  *out = std::move(response);
  return true;
}

}  // namespace

std::string HttpResponse::Header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? "" : it->second;
}

nlohmann::json HttpResponse::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

Result<HttpResponse> SendRaw(const std::string& address, std::string_view raw,
                             std::chrono::milliseconds timeout) {
  const int fd = Connect(address);
  if (fd < 0) return Status::Unavailable("cannot connect to " + address);
  const auto deadline = Clock::now() + timeout;
  size_t sent = 0;
  bool writing = !raw.empty();
  std::string received;
  bool closed = false;
  HttpResponse response;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) {
      ::close(fd);
      return Status::Unavailable("timed out; received " +
                                 std::to_string(received.size()) + " bytes");
    }
    pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0) continue;
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buf[65536];
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n > 0) {
        received.append(buf, static_cast<size_t>(n));
        // The server answered: the rest of the request no longer matters.
        writing = false;
      } else {
        closed = true;
      }
      if (TryParse(received, closed, &response)) break;
      if (closed) {
        ::close(fd);
        return Status::Unavailable("connection closed after " +
                                   std::to_string(received.size()) +
                                   " bytes without a complete response");
      }
      continue;
    }
    if (writing && (p.revents & POLLOUT) != 0) {
      const ssize_t n = ::send(fd, raw.data() + sent,
                               std::min<size_t>(raw.size() - sent, 65536),
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        if (sent == raw.size()) writing = false;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        writing = false;  // Reset by the server; read what it said.
      }
    }
  }
  ::close(fd);
  return response;
}

std::string FormatRequest(std::string_view method, std::string_view target,
                          std::string_view body, const Headers& headers) {
  std::string request;
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  request.append("Host: test\r\nConnection: close\r\n");
  for (const auto& [name, value] : headers) {
    request.append(name).append(": ").append(value).append("\r\n");
  }
  if (!body.empty() || method == "POST" || method == "PATCH") {
    request.append("Content-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n");
  }
  request.append("\r\n").append(body);
  return request;
}

Result<HttpResponse> Send(const std::string& address, std::string_view method,
                          std::string_view target, std::string_view body,
                          const Headers& headers,
                          std::chrono::milliseconds timeout) {
  return SendRaw(address, FormatRequest(method, target, body, headers),
                 timeout);
}

Result<std::string> Exchange(const std::string& address, std::string_view raw,
                             std::chrono::milliseconds timeout) {
  const int fd = Connect(address);
  if (fd < 0) return Status::Unavailable("cannot connect to " + address);
  if (::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(raw.size())) {
    ::close(fd);
    return Status::Unavailable("send failed");
  }
  const auto deadline = Clock::now() + timeout;
  std::string received;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) {
      ::close(fd);
      return Status::Unavailable("timed out waiting for the server to close");
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    received.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return received;
}

bool ConnectionRefused(const std::string& address) {
  const int fd = Connect(address);
  if (fd < 0) return true;
  ::close(fd);
  return false;
}

Result<std::unique_ptr<RawConnection>> RawConnection::Open(
    const std::string& address) {
  const int fd = Connect(address);
  if (fd < 0) {
    return Status::Unavailable("cannot connect to " + address);
  }
  return std::unique_ptr<RawConnection>(new RawConnection(fd));
}

RawConnection::~RawConnection() { ::close(fd_); }

bool RawConnection::Write(std::string_view bytes) const {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawConnection::ServerSpoke() const {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 &&
         (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

Result<HttpResponse> RawConnection::Read(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  HttpResponse response;
  bool closed = false;
  while (!TryParse(received_, closed, &response)) {
    if (closed) {
      return Status::Unavailable("connection closed after " +
                                 std::to_string(received_.size()) + " bytes");
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) {
      return Status::Unavailable("timed out");
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      received_.append(buf, static_cast<size_t>(n));
    } else {
      closed = true;
    }
  }
  // What follows this response stays for the next Read.
  const size_t header_end = received_.find("\r\n\r\n") + 4;
  received_.erase(
      0, std::min(received_.size(), header_end + response.body.size()));
  return response;
}

}  // namespace sessionkeeper::testing
