// evhttp glue: request in, Service call, answer out on the owning loop.
#include "server/http_loop.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <glog/logging.h>
#include <unistd.h>

#include <future>
#include <optional>
#include <string>
#include <utility>

#include "server/auth.h"

namespace sessionkeeper::server {

namespace {

Method ToMethod(evhttp_cmd_type command) {
  switch (command) {
    case EVHTTP_REQ_GET:
      return Method::kGet;
    case EVHTTP_REQ_HEAD:
      return Method::kHead;
    case EVHTTP_REQ_POST:
      return Method::kPost;
    case EVHTTP_REQ_PUT:
      return Method::kPut;
    case EVHTTP_REQ_PATCH:
      return Method::kPatch;
    case EVHTTP_REQ_DELETE:
      return Method::kDelete;
    default:
      return Method::kOther;
  }
}

std::optional<std::string> Header(evhttp_request* request, const char* name) {
  const char* value =
      evhttp_find_header(evhttp_request_get_input_headers(request), name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Every value of header `name`, joined by ", " (nullopt when absent): a
// repeated header must not be settled by whichever copy comes first, since
// a proxy in front may have picked another.
std::optional<std::string> AllValues(evhttp_request* request,
                                     const char* name) {
  std::optional<std::string> values;
  const evkeyvalq* headers = evhttp_request_get_input_headers(request);
  for (const evkeyval* h = headers->tqh_first; h != nullptr;
       h = h->next.tqe_next) {
    if (evutil_ascii_strcasecmp(h->key, name) != 0) continue;
    values = values.has_value() ? *values + ", " + h->value : h->value;
  }
  return values;
}

// True when the request announces a body that libevent 2.1 did not read:
// it reads bodies of POST, PUT and PATCH only.
bool UnreadBody(evhttp_request* request, Method method) {
  if (method == Method::kPost || method == Method::kPut ||
      method == Method::kPatch) {
    return false;
  }
  const evkeyvalq* headers = evhttp_request_get_input_headers(request);
  if (evhttp_find_header(headers, "Transfer-Encoding") != nullptr) return true;
  const char* length = evhttp_find_header(headers, "Content-Length");
  return length != nullptr && std::string_view(length) != "0";
}

// Every method, including unknown ones (libevent's EVHTTP_REQ_UNKNOWN_ is
// bit 15): otherwise libevent itself answers 501, a 5xx this service must
// never send. The router answers 405 instead.
constexpr ev_uint16_t kAllMethods = 0xffff;

// How often connections are checked for requests that arrive too slowly
// (and for connections evhttp has closed).
constexpr timeval kSweepInterval = {1, 0};

}  // namespace

HttpLoop::HttpLoop(int index, const ServerConfig* config,
                   const SessionService* service, Metrics* metrics,
                   std::function<void()> on_idle)
    : index_(index),
      config_(config),
      service_(service),
      metrics_(metrics),
      on_idle_(std::move(on_idle)) {}

HttpLoop::~HttpLoop() { Stop(); }

Status HttpLoop::Start(int listen_fd) {
  Result<std::unique_ptr<EventLoop>> loop =
      EventLoop::Create("sk-http-" + std::to_string(index_));
  if (!loop.ok()) return loop.status();
  loop_ = std::move(*loop);
  http_ = evhttp_new(loop_->base());
  if (http_ == nullptr) return Status::Internal("evhttp_new failed");
  evhttp_set_allowed_methods(http_, kAllMethods);
  evhttp_set_max_body_size(http_,
                           static_cast<ev_ssize_t>(config_->max_body_bytes));
  evhttp_set_max_headers_size(
      http_, static_cast<ev_ssize_t>(config_->max_header_bytes));
  evhttp_set_timeout(http_, static_cast<int>(config_->idle_timeout.count()));
  // Read an oversized body to its end before answering 413, so the client
  // sees the answer instead of a reset.
  evhttp_set_flags(http_, EVHTTP_SERVER_LINGERING_CLOSE);
  evhttp_set_default_content_type(http_, "application/json");
  evhttp_set_gencb(http_, &HttpLoop::OnRequest, this);
  evhttp_set_bevcb(http_, &HttpLoop::NewBufferevent, this);
  sweep_ = event_new(loop_->base(), -1, EV_PERSIST, &HttpLoop::OnSweep, this);
  if (sweep_ == nullptr) {
    return Status::Internal("event_new failed");
  }
  event_add(sweep_, &kSweepInterval);

  const auto timeout_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              config_->request_timeout)
                              .count();
  const timeval tv = {static_cast<time_t>(timeout_us / 1000000),
                      static_cast<suseconds_t>(timeout_us % 1000000)};
  // Every deadline has the same duration: a common timeout keeps them in a
  // queue instead of the heap.
  request_timeout_ = event_base_init_common_timeout(loop_->base(), &tv);

  // Each loop gets its own descriptor for the one socket, because evhttp
  // closes the descriptor it accepts on when it lets go of it.
  const int fd = ::dup(listen_fd);
  if (fd < 0) return Status::Internal("dup of the listening socket failed");
  evutil_make_socket_nonblocking(fd);
  bound_ = evhttp_accept_socket_with_handle(http_, fd);
  if (bound_ == nullptr) {
    ::close(fd);
    return Status::Internal("evhttp_accept_socket failed");
  }
  loop_->Start();
  running_ = true;
  return Status::Ok();
}

void HttpLoop::BeginDrain() {
  if (loop_ == nullptr || !running_ || stopped_) return;
  // Synchronous, so that once every loop returned no new connection can
  // arrive and "nothing pending" means done.
  std::promise<void> done;
  if (loop_->Post([this, &done] {
        DrainOnLoop();
        done.set_value();
      })) {
    done.get_future().wait();
  }
}

void HttpLoop::DrainOnLoop() {
  draining_ = true;
  if (bound_ != nullptr) {
    evhttp_del_accept_socket(http_, bound_);  // Closes our descriptor.
    bound_ = nullptr;
  }
  UpdatePending();
}

void HttpLoop::Stop() {
  if (loop_ == nullptr || stopped_) return;
  stopped_ = true;
  if (!running_) {  // Start failed half-way: no thread owns the base.
    StopOnLoop();
    loop_->Stop();
    return;
  }
  std::promise<void> done;
  if (loop_->Post([this, &done] {
        StopOnLoop();
        done.set_value();
      })) {
    done.get_future().wait();
  }
  loop_->Stop();
}

void HttpLoop::StopOnLoop() {
  draining_ = true;
  // Normally empty: every call is answered by its deadline, and the server
  // waits for that before stopping.
  while (!calls_.empty()) {
    Finish(calls_.begin()->first, UnavailableResponse("shutting down"));
  }
  if (sweep_ != nullptr) {
    event_free(sweep_);
    sweep_ = nullptr;
  }
  if (http_ != nullptr) {
    evhttp_free(http_);  // Closes the listener and every connection.
    http_ = nullptr;
    bound_ = nullptr;
  }
  ReleaseConnections();
  unwritten_.clear();
  unwritten_total_ = 0;
  UpdatePending();
}

void HttpLoop::OnRequest(evhttp_request* request, void* arg) {
  static_cast<HttpLoop*>(arg)->HandleRequest(request);
}

void HttpLoop::HandleRequest(evhttp_request* request) {
  auto owned = std::make_unique<Call>();
  Call* call = owned.get();
  call->loop = this;
  call->id = next_id_++;
  call->request = request;
  call->started = std::chrono::steady_clock::now();
  call->head = evhttp_request_get_command(request) == EVHTTP_REQ_HEAD;
  calls_.emplace(call->id, std::move(owned));
  metrics_->RequestStarted();

  if (Connection* c = FindConnection(request)) {
    c->reading = false;
    c->busy = true;
  }
  if (evhttp_connection* connection = evhttp_request_get_connection(request)) {
    // A new request on a connection means its previous answer was written.
    auto [it, inserted] = unwritten_.try_emplace(connection, 0);
    if (!inserted) {
      unwritten_total_ -= it->second;
      it->second = 0;
    }
    evhttp_connection_set_closecb(connection, &HttpLoop::OnConnectionClosed,
                                  this);
  }
  UpdatePending();

  if (draining_) {
    Response response = UnavailableResponse("shutting down");
    response.close_connection = true;
    return Finish(call->id, std::move(response));
  }

  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
  const char* raw_path = uri != nullptr ? evhttp_uri_get_path(uri) : nullptr;
  const char* raw_query = uri != nullptr ? evhttp_uri_get_query(uri) : nullptr;
  const std::string_view path = raw_path != nullptr ? raw_path : "";

  if (!config_->auth_token.empty() && RequiresAuth(path)) {
    const char* authorization = evhttp_find_header(
        evhttp_request_get_input_headers(request), "Authorization");
    if (!BearerTokenMatches(authorization, config_->auth_token)) {
      Response response =
          ErrorResponse(401, "unauthenticated",
                        "missing or wrong 'Authorization: Bearer' token");
      response.headers.emplace_back("WWW-Authenticate",
                                    "Bearer realm=\"sessionkeeper\"");
      return Finish(call->id, std::move(response));
    }
  }

  const Method method = ToMethod(evhttp_request_get_command(request));
  std::optional<std::string> lease_token = AllValues(request, "X-Lease-Token");
  if (UnreadBody(request, method)) {
    // libevent reads no body for this method, so its bytes would be parsed
    // as the next request on the connection (a request-smuggling hole
    // behind a proxy that forwards them). Refuse, and end the connection.
    Response response =
        ErrorResponse(400, "invalid_argument", "this method takes no body");
    response.close_connection = true;
    return Finish(call->id, std::move(response));
  }
  RouteResult routed = RouteRequest(
      method, path,
      raw_query != nullptr ? std::optional<std::string_view>(raw_query)
                           : std::nullopt,
      lease_token.has_value());
  call->route = routed.request.route;
  if (routed.error.has_value()) {
    // After an unknown method (CONNECT, ...) libevent cannot tell where
    // the next request starts: end the connection with the answer.
    routed.error->close_connection = method == Method::kOther;
    return Finish(call->id, std::move(*routed.error));
  }

  Request req;
  req.routed = std::move(routed.request);
  req.if_match = Header(request, "If-Match");
  req.lease_token = std::move(lease_token);
  evbuffer* input = evhttp_request_get_input_buffer(request);
  const size_t length = evbuffer_get_length(input);
  req.body.resize(length);
  if (length > 0) evbuffer_copyout(input, req.body.data(), length);

  // The answer may come from any thread: hand it to this loop. A weak
  // reference, so that an answer arriving after shutdown is dropped. On
  // this loop's thread (a cached read answers before Handle returns) it is
  // sent at once, with no queueing and no deadline timer.
  std::weak_ptr<EventLoop> weak_loop = loop_;
  const uint64_t id = call->id;
  service_->Handle(req, [weak_loop, this, id](Response response) {
    std::shared_ptr<EventLoop> loop = weak_loop.lock();
    if (loop == nullptr) {
      return;
    }
    if (loop->InLoopThread()) {
      return Finish(id, std::move(response));
    }
    loop->Post([this, id, response = std::move(response)]() mutable {
      Finish(id, std::move(response));
    });
  });
  // `call` is gone if it was answered already.
  const auto pending = calls_.find(id);
  if (pending == calls_.end()) {
    return;
  }
  Call* waiting = pending->second.get();
  waiting->deadline =
      evtimer_new(loop_->base(), &HttpLoop::OnDeadline, waiting);
  if (waiting->deadline != nullptr) {
    evtimer_add(waiting->deadline, request_timeout_);
  }
}

void HttpLoop::OnDeadline(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
  Call* call = static_cast<Call*>(arg);
  HttpLoop* self = call->loop;
  self->metrics_->RequestTimedOut();
  self->Finish(
      call->id,
      UnavailableResponse(
          "ZooKeeper did not answer within " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                             self->config_->request_timeout)
                             .count()) +
          " s"));
}

void HttpLoop::Finish(uint64_t id, Response response) {
  const auto it = calls_.find(id);
  if (it == calls_.end()) return;  // Answered already (timed out).
  std::unique_ptr<Call> call = std::move(it->second);
  calls_.erase(it);
  if (call->deadline != nullptr) event_free(call->deadline);
  if (draining_) response.close_connection = true;
  Send(call->request, response, call->head);
  metrics_->RequestFinished(call->route, response.status,
                            std::chrono::steady_clock::now() - call->started);
  VLOG(1) << RouteName(call->route) << " -> " << response.status;
  UpdatePending();
}

void HttpLoop::Send(evhttp_request* request, const Response& response,
                    bool head) {
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  if (!response.content_type.empty()) {
    evhttp_add_header(headers, "Content-Type", response.content_type.c_str());
  }
  // Session documents carry bearer credentials: no cache may keep them.
  evhttp_add_header(headers, "Cache-Control", "no-store");
  for (const auto& [name, value] : response.headers) {
    evhttp_add_header(headers, name.c_str(), value.c_str());
  }
  if (response.close_connection) {
    evhttp_add_header(headers, "Connection", "close");
  }
  // libevent 2.1 would send a HEAD answer's body, which the client then
  // reads as the start of the next answer.
  if (!response.body.empty() && !head) {
    evbuffer_add(evhttp_request_get_output_buffer(request),
                 response.body.data(), response.body.size());
  }
  // Without a connection (the client left) evhttp frees the request and
  // writes nothing: nothing to wait for.
  if (evhttp_connection* connection = evhttp_request_get_connection(request)) {
    ++unwritten_[connection];
    ++unwritten_total_;
    evhttp_request_set_on_complete_cb(request, &HttpLoop::OnWritten, this);
  }
  evhttp_send_reply(request, response.status, nullptr, nullptr);
}

void HttpLoop::OnWritten(evhttp_request* request, void* arg) {
  auto* self = static_cast<HttpLoop*>(arg);
  if (Connection* c = self->FindConnection(request)) {
    // The next request's clock starts now if its bytes are already here
    // (pipelined), else with its first byte.
    c->busy = false;
    c->reading = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
    c->started = std::chrono::steady_clock::now();
  }
  evhttp_connection* connection = evhttp_request_get_connection(request);
  const auto it = self->unwritten_.find(connection);
  if (it != self->unwritten_.end() && it->second > 0) {
    --it->second;
    --self->unwritten_total_;
  }
  self->UpdatePending();
}

void HttpLoop::OnConnectionClosed(evhttp_connection* connection, void* arg) {
  auto* self = static_cast<HttpLoop*>(arg);
  const auto it = self->unwritten_.find(connection);
  if (it == self->unwritten_.end()) return;
  self->unwritten_total_ -= it->second;
  self->unwritten_.erase(it);
  self->UpdatePending();
}

bufferevent* HttpLoop::NewBufferevent(event_base* base, void* arg) {
  auto* self = static_cast<HttpLoop*>(arg);
  // What evhttp would create itself; the socket is set by evhttp.
  bufferevent* bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) {
    return nullptr;  // evhttp then creates its own.
  }
  auto connection = std::make_unique<Connection>();
  connection->bev = bev;
  if (evbuffer_add_cb(bufferevent_get_input(bev), &HttpLoop::OnInput,
                      connection.get()) == nullptr) {
    return bev;  // Served, just not watched for slowness.
  }
  bufferevent_incref(bev);
  self->connections_.emplace(bev, std::move(connection));
  self->metrics_->ConnectionOpened();
  return bev;
}

void HttpLoop::OnInput(evbuffer* /*buffer*/, const evbuffer_cb_info* info,
                       void* arg) {
  auto* connection = static_cast<Connection*>(arg);
  if (info->n_added == 0) {
    return;
  }
  bufferevent_event_cb event_cb = nullptr;
  bufferevent_getcb(connection->bev, nullptr, nullptr, &event_cb, nullptr);
  if (event_cb == nullptr) {
    // evhttp let go of the connection, but our reference keeps the
    // bufferevent (and its read event) alive until the next sweep: stop
    // reading, or a client could make it buffer whatever it sends.
    bufferevent_disable(connection->bev, EV_READ | EV_WRITE);
    return;
  }
  if (connection->reading || connection->busy) {
    return;
  }
  connection->reading = true;
  connection->started = std::chrono::steady_clock::now();
}

void HttpLoop::OnSweep(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
  static_cast<HttpLoop*>(arg)->Sweep();
}

void HttpLoop::Sweep() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection& c = *it->second;
    bufferevent_event_cb event_cb = nullptr;
    bufferevent_getcb(c.bev, nullptr, nullptr, &event_cb, nullptr);
    if (event_cb == nullptr) {
      // evhttp freed the connection (bufferevent_free clears the
      // callbacks; evhttp keeps its event callback set while it serves).
      bufferevent_decref(c.bev);
      metrics_->ConnectionClosed();
      it = connections_.erase(it);
      continue;
    }
    if (c.reading && now - c.started > config_->request_read_timeout) {
      c.reading = false;
      metrics_->SlowRequestClosed();
      VLOG(1) << "closing a connection whose request did not arrive within "
              << config_->request_read_timeout.count() << " s";
      // Exactly what a libevent read timeout does: evhttp drops the
      // connection without an answer. Deferred, so that evhttp runs it
      // from the loop and not from inside this sweep.
      bufferevent_trigger_event(c.bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT,
                                BEV_TRIG_DEFER_CALLBACKS);
    }
    ++it;
  }
}

HttpLoop::Connection* HttpLoop::FindConnection(evhttp_request* request) {
  evhttp_connection* connection = evhttp_request_get_connection(request);
  if (connection == nullptr) {
    return nullptr;
  }
  const auto it =
      connections_.find(evhttp_connection_get_bufferevent(connection));
  return it == connections_.end() ? nullptr : it->second.get();
}

void HttpLoop::ReleaseConnections() {
  // After evhttp_free: every connection is closed, our references are the
  // last ones.
  for (auto& [bev, connection] : connections_) {
    bufferevent_decref(bev);
    metrics_->ConnectionClosed();
  }
  connections_.clear();
}

void HttpLoop::UpdatePending() {
  const size_t pending = calls_.size() + unwritten_total_;
  pending_.store(pending);
  if (draining_ && pending == 0 && on_idle_) on_idle_();
}

}  // namespace sessionkeeper::server
