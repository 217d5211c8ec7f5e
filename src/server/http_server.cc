// Listening socket, loops, and the shutdown sequence.
#include "server/http_server.h"

#include <glog/logging.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>
#include <utility>

namespace sessionkeeper::server {

namespace {

// After the last request is answered, how long its answer may take to be
// written before connections are closed anyway.
constexpr std::chrono::seconds kWriteGrace{5};

std::string ErrnoText() {
  return std::error_code(errno, std::system_category()).message();
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Bind(
    const ServerConfig& config) {
  EnableLibeventThreads();
  std::unique_ptr<HttpServer> server(new HttpServer(config));
  SK_RETURN_IF_ERROR(server->Listen());
  return server;
}

Status HttpServer::Serve(SessionManager* manager) {
  if (service_ != nullptr || listen_fd_ < 0) {
    return Status::FailedPrecondition("HttpServer::Serve called twice");
  }
  Result<std::unique_ptr<ReadinessProbe>> readiness =
      ReadinessProbe::Start(manager);
  if (!readiness.ok()) return readiness.status();
  readiness_ = std::move(*readiness);
  service_ = std::make_unique<SessionService>(manager, &metrics_,
                                              readiness_.get(), &draining_);
  for (int i = 0; i < config_.threads; ++i) {
    auto loop = std::make_unique<HttpLoop>(
        i, &config_, service_.get(), &metrics_, [this] {
          std::lock_guard<std::mutex> lock(mu_);
          idle_.notify_all();
        });
    SK_RETURN_IF_ERROR(loop->Start(listen_fd_));
    loops_.push_back(std::move(loop));
  }
  return Status::Ok();
}

HttpServer::HttpServer(ServerConfig config) : config_(std::move(config)) {}

HttpServer::~HttpServer() { Shutdown(); }

Status HttpServer::Listen() {
  const auto* addr = reinterpret_cast<const sockaddr*>(&config_.listen.addr);
  const int fd =
      ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Status::Unavailable("socket: " + ErrnoText());
  }
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (::bind(fd, addr, config_.listen.length) != 0 || ::listen(fd, 1024) != 0) {
    const std::string error = ErrnoText();
    ::close(fd);
    return Status::Unavailable("cannot listen on " + FormatAddress(addr) +
                               ": " + error);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  address_ = FormatAddress(reinterpret_cast<const sockaddr*>(&bound));
  listen_fd_ = fd;
  return Status::Ok();
}

bool HttpServer::AllIdle() const {
  for (const auto& loop : loops_) {
    if (loop->pending() != 0) return false;
  }
  return true;
}

void HttpServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  draining_ = true;
  for (auto& loop : loops_) loop->BeginDrain();
  // Every loop now holds the only descriptors of the socket left besides
  // ours; closing ours means the port is released once they let go.
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  // Each request is answered by its own deadline at the latest, so this
  // wait is bounded by the request timeout plus the time to write.
  const auto deadline =
      std::chrono::steady_clock::now() + config_.request_timeout + kWriteGrace;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!idle_.wait_until(lock, deadline, [this] { return AllIdle(); })) {
      LOG(WARNING) << "shutdown: requests or answers still pending at the "
                      "drain deadline; closing their connections";
    }
  }
  for (auto& loop : loops_) loop->Stop();
  if (readiness_ != nullptr) readiness_->Stop();
}

}  // namespace sessionkeeper::server
