// HttpLoop: one event-loop thread serving HTTP on the shared listening
// socket. It owns its evhttp and every request it has not answered yet;
// answers computed on other threads come back through its EventLoop queue,
// so evhttp is only ever touched on this loop's thread.
//
// Each request gets a deadline (--request-timeout-s): if no answer arrived
// by then it is answered 503, and a late answer is dropped. Every request is
// therefore answered, which is what makes shutdown bounded.
//
// Slow clients: libevent's timeout (--idle-timeout-s) closes a connection
// without progress, but a client that trickles a byte now and then makes
// progress forever. So the loop also tracks each connection it accepted:
// a request whose first byte arrived more than --request-read-timeout-s
// ago and that is still not complete gets its connection closed, as
// libevent closes a timed-out one.
//
// Start, BeginDrain, Stop and pending() may be called from any thread
// except the loop's own.
#ifndef SESSIONKEEPER_SERVER_HTTP_LOOP_H_
#define SESSIONKEEPER_SERVER_HTTP_LOOP_H_

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "server/event_loop.h"
#include "server/metrics.h"
#include "server/response.h"
#include "server/router.h"
#include "server/server_config.h"
#include "server/service.h"

namespace sessionkeeper::server {

class HttpLoop {
 public:
  // None owned; all must outlive the loop. `on_idle` runs on the loop
  // thread whenever, while draining, nothing is pending any more.
  HttpLoop(int index, const ServerConfig* config, const SessionService* service,
           Metrics* metrics, std::function<void()> on_idle);
  ~HttpLoop();  // Stops.
  HttpLoop(const HttpLoop&) = delete;
  HttpLoop& operator=(const HttpLoop&) = delete;

  // Serves `listen_fd` (a listening socket; duplicated, the caller keeps
  // its own) on a new thread.
  Status Start(int listen_fd);

  // Stops accepting connections; requests that still arrive on open
  // connections are answered 503 with "Connection: close". Returns once
  // the loop has done so.
  void BeginDrain();

  // Requests not answered yet plus answers not completely written.
  size_t pending() const { return pending_.load(); }

  // Answers what is still waiting with 503, closes every connection and
  // joins the thread. Idempotent.
  void Stop();

 private:
  struct Call {
    HttpLoop* loop = nullptr;
    uint64_t id = 0;
    evhttp_request* request = nullptr;
    Route route = Route::kNone;
    bool head = false;  // HEAD: the answer has no body.
    std::chrono::steady_clock::time_point started;
    event* deadline = nullptr;
  };

  // A connection as the slow-client check sees it. Its bufferevent holds a
  // reference of ours, so that it stays valid after evhttp let go of it
  // (which the sweep notices and then drops the reference).
  struct Connection {
    bufferevent* bev = nullptr;
    // A request has started arriving (its first byte, once the previous
    // answer was written) and has not been handed to the service yet.
    bool reading = false;
    std::chrono::steady_clock::time_point started;
    // A request was handed to the service and its answer is not written
    // yet: bytes that arrive meanwhile wait for evhttp, not for the client.
    bool busy = false;
  };

  static void OnRequest(evhttp_request* request, void* arg);
  static void OnDeadline(evutil_socket_t fd, short what, void* arg);
  static void OnWritten(evhttp_request* request, void* arg);
  static void OnConnectionClosed(evhttp_connection* connection, void* arg);
  static bufferevent* NewBufferevent(event_base* base, void* arg);
  static void OnInput(evbuffer* buffer, const evbuffer_cb_info* info,
                      void* arg);
  static void OnSweep(evutil_socket_t fd, short what, void* arg);

  // Loop thread only, from here on.
  void HandleRequest(evhttp_request* request);
  // Answers call `id` unless it was answered already.
  void Finish(uint64_t id, Response response);
  void Send(evhttp_request* request, const Response& response, bool head);
  void UpdatePending();
  void DrainOnLoop();
  void StopOnLoop();
  // Closes requests that arrive too slowly; forgets closed connections.
  void Sweep();
  Connection* FindConnection(evhttp_request* request);
  void ReleaseConnections();

  const int index_;
  const ServerConfig* const config_;
  const SessionService* const service_;
  Metrics* const metrics_;
  const std::function<void()> on_idle_;

  // Shared so that completions racing with shutdown can still post (and be
  // refused) after this object is gone.
  std::shared_ptr<EventLoop> loop_;
  std::atomic<size_t> pending_{0};

  // Loop thread only.
  evhttp* http_ = nullptr;
  evhttp_bound_socket* bound_ = nullptr;
  const timeval* request_timeout_ = nullptr;  // A libevent common timeout.
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Call>> calls_;
  // Answers handed to each connection and not yet fully written.
  std::unordered_map<evhttp_connection*, size_t> unwritten_;
  size_t unwritten_total_ = 0;
  bool draining_ = false;
  std::unordered_map<bufferevent*, std::unique_ptr<Connection>> connections_;
  event* sweep_ = nullptr;

  // Caller's thread (Start/Stop).
  bool running_ = false;
  bool stopped_ = false;
};

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_HTTP_LOOP_H_
