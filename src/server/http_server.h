// HttpServer: sessionkeeperd's HTTP side. One listening socket served by
// --threads HttpLoops, all sharing one SessionManager, plus the readiness
// probe.
//
// Thread-safe. Shutdown is graceful: stop accepting, answer every request
// in flight (each has its deadline), let the answers be written, then stop
// the loops.
#ifndef SESSIONKEEPER_SERVER_HTTP_SERVER_H_
#define SESSIONKEEPER_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/http_loop.h"
#include "server/metrics.h"
#include "server/readiness.h"
#include "server/server_config.h"
#include "server/service.h"
#include "sessionkeeper/session_manager.h"

namespace sessionkeeper::server {

class HttpServer {
 public:
  // Binds config.listen (connections wait in the backlog until Serve), so
  // that the address is known before the SessionManager is opened: it goes
  // into the member record.
  static Result<std::unique_ptr<HttpServer>> Bind(const ServerConfig& config);

  // Starts the readiness probe and the loops. `manager` must outlive the
  // server's Shutdown. Call once.
  Status Serve(SessionManager* manager);
  ~HttpServer();  // Shuts down if that has not happened.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound address, "host:port" (known after Bind).
  const std::string& address() const { return address_; }

  // Returns once every loop thread has ended. Requests still unanswered
  // when the drain deadline passes (only possible if a deadline failed)
  // get 503. Idempotent; must not run on a loop thread.
  void Shutdown();

 private:
  explicit HttpServer(ServerConfig config);
  Status Listen();
  bool AllIdle() const;

  const ServerConfig config_;
  Metrics metrics_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<ReadinessProbe> readiness_;
  std::unique_ptr<SessionService> service_;
  std::vector<std::unique_ptr<HttpLoop>> loops_;
  int listen_fd_ = -1;
  std::string address_;

  std::mutex mu_;  // Guards shut_down_; pairs with idle_.
  std::condition_variable idle_;
  bool shut_down_ = false;
};

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_HTTP_SERVER_H_
