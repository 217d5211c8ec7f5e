// Route handlers: parse, call the manager asynchronously, answer.
#include "server/service.h"

#include <utility>

#include "server/json_codec.h"
#include "server/status_mapping.h"

namespace sessionkeeper::server {

namespace {

Response BadRequest(const Status& status) {
  return StatusResponse(status, /*conditional=*/false);
}

Response SessionResponse(int http_status, const SessionSnapshot& session) {
  Response response;
  response.status = http_status;
  response.body = SessionToJson(session);
  // Appended, not concatenated: GCC 12 warns (-Wrestrict, a false
  // positive) on the temporaries of "\"" + ... + "\"".
  std::string etag = "\"";
  etag += std::to_string(session.version());
  etag += '"';
  response.headers.emplace_back("ETag", std::move(etag));
  return response;
}

Response SessionResponse(int http_status, const Session& session) {
  return SessionResponse(http_status, SessionSnapshot(session));
}

Response NoContent() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

Response JsonOk(std::string body) {
  Response response;
  response.body = std::move(body);
  return response;
}

bool IsBlank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Routes without a body refuse one rather than ignore it.
std::optional<Response> RequireNoBody(const Request& request) {
  if (IsBlank(request.body)) return std::nullopt;
  return BadRequest(Status::InvalidArgument("this route takes no body"));
}

// The routes an X-Lease-Token fences (or, for a renewal, names the lease
// of). Anywhere else it is refused rather than ignored: a client that sent
// one meant its request to be fenced.
bool TakesLeaseToken(Route route) {
  switch (route) {
    case Route::kMutateSession:
    case Route::kTouchSession:
    case Route::kDeleteSession:
    case Route::kRotateSession:
    case Route::kRenewLease:
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<std::optional<int64_t>> ParseLeaseTokenHeader(
    const std::optional<std::string>& header) {
  if (!header.has_value()) return std::optional<int64_t>();
  std::optional<int64_t> token = ParseLeaseToken(*header);
  if (!token.has_value()) {
    return Status::InvalidArgument(
        "X-Lease-Token must be one lease token: a positive decimal integer");
  }
  return token;
}

Result<std::optional<int32_t>> ParseIfMatch(
    const std::optional<std::string>& header) {
  if (!header.has_value()) return std::optional<int32_t>();
  std::string_view v(*header);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
  }
  const Status bad = Status::InvalidArgument(
      "If-Match must be one session version, e.g. If-Match: \"3\"");
  if (v.empty() || v.size() > 10) return bad;
  int64_t version = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') return bad;
    version = version * 10 + (c - '0');
  }
  if (version > INT32_MAX) return bad;
  return std::optional<int32_t>(static_cast<int32_t>(version));
}

void SessionService::Handle(const Request& request, Respond respond) const {
  const Route route = request.routed.route;
  Result<std::optional<int64_t>> token =
      ParseLeaseTokenHeader(request.lease_token);
  if (!token.ok()) return respond(BadRequest(token.status()));
  if (token->has_value() && !TakesLeaseToken(route)) {
    // Ignoring it would let a request the client meant to fence go through.
    return respond(BadRequest(Status::InvalidArgument(
        "X-Lease-Token is taken by PATCH, DELETE, touch and rotate of a "
        "session and by a lease renewal (a release takes ?token=)")));
  }
  const std::optional<int64_t> lease_token = *token;
  if (request.if_match.has_value() && route != Route::kMutateSession) {
    return respond(BadRequest(
        Status::InvalidArgument("If-Match is supported on PATCH only")));
  }
  switch (route) {
    case Route::kCreateSession:
      return Create(request, std::move(respond));
    case Route::kGetSession:
      return Get(request, std::move(respond));
    case Route::kMutateSession:
      return Mutate(request, lease_token, std::move(respond));
    case Route::kTouchSession:
      return Touch(request, lease_token, std::move(respond));
    case Route::kDeleteSession:
      return Delete(request, lease_token, std::move(respond));
    case Route::kRotateSession:
      return Rotate(request, lease_token, std::move(respond));
    case Route::kAcquireLease:
      return AcquireLease(request, std::move(respond));
    case Route::kRenewLease:
      if (!lease_token.has_value()) break;  // Routed so only with a token.
      return RenewLease(request, *lease_token, std::move(respond));
    case Route::kReleaseLease:
      return ReleaseLease(request, std::move(respond));
    case Route::kListPrincipalSessions:
      return ListPrincipal(request, std::move(respond));
    case Route::kInvalidatePrincipalSessions:
      return InvalidatePrincipal(request, std::move(respond));
    case Route::kHealthz:
      return respond(JsonOk(R"({"status":"ok"})"));
    case Route::kReadyz:
      return respond(Readyz());
    case Route::kMetrics:
      return respond(MetricsPage());
    case Route::kNone:
      break;
  }
  respond(ErrorResponse(404, "not_found", "no such route"));
}

void SessionService::Create(const Request& request, Respond respond) const {
  Result<CreateRequest> create = ParseCreateRequest(request.body);
  if (!create.ok()) return respond(BadRequest(create.status()));
  manager_->CreateAsync(std::move(*create),
                        [respond = std::move(respond)](Result<Session> r) {
                          if (!r.ok()) {
                            return respond(StatusResponse(r.status(), false));
                          }
                          respond(SessionResponse(201, *r));
                        });
}

void SessionService::Get(const Request& request, Respond respond) const {
  if (auto error = RequireNoBody(request)) return respond(std::move(*error));
  // The shared snapshot: a cached hit is answered without copying the
  // session.
  manager_->GetSharedAsync(
      request.routed.session_id, request.routed.consistency,
      [respond = std::move(respond)](
          Result<std::shared_ptr<const SessionSnapshot>> r) {
        if (!r.ok()) {
          return respond(StatusResponse(r.status(), false));
        }
        respond(SessionResponse(200, **r));
      });
}

void SessionService::Mutate(const Request& request,
                            std::optional<int64_t> lease_token,
                            Respond respond) const {
  Result<std::optional<int32_t>> expected = ParseIfMatch(request.if_match);
  if (!expected.ok()) return respond(BadRequest(expected.status()));
  Result<Mutation> mutation = ParseMutation(request.body);
  if (!mutation.ok()) return respond(BadRequest(mutation.status()));
  mutation->expected_version = *expected;
  mutation->lease_token = lease_token;
  const bool conditional = expected->has_value();
  manager_->MutateAsync(
      request.routed.session_id, std::move(*mutation),
      [respond = std::move(respond), conditional](Result<Session> r) {
        if (!r.ok()) return respond(StatusResponse(r.status(), conditional));
        respond(SessionResponse(200, *r));
      });
}

void SessionService::Touch(const Request& request,
                           std::optional<int64_t> lease_token,
                           Respond respond) const {
  if (auto error = RequireNoBody(request)) return respond(std::move(*error));
  if (lease_token.has_value()) {
    // A fenced touch: TouchAsync takes no token, and an empty mutation is
    // a touch (only the access time moves), fenced like any write.
    Mutation touch;
    touch.lease_token = lease_token;
    manager_->MutateAsync(
        request.routed.session_id, std::move(touch),
        [respond = std::move(respond)](const Result<Session>& r) {
          if (!r.ok()) {
            return respond(StatusResponse(r.status(), false));
          }
          respond(NoContent());
        });
    return;
  }
  manager_->TouchAsync(request.routed.session_id,
                       [respond = std::move(respond)](const Status& s) {
                         if (!s.ok()) return respond(StatusResponse(s, false));
                         respond(NoContent());
                       });
}

void SessionService::Delete(const Request& request,
                            std::optional<int64_t> lease_token,
                            Respond respond) const {
  if (auto error = RequireNoBody(request)) return respond(std::move(*error));
  manager_->InvalidateAsync(request.routed.session_id, lease_token,
                            [respond = std::move(respond)](const Status& s) {
                              if (!s.ok()) {
                                return respond(StatusResponse(s, false));
                              }
                              respond(NoContent());
                            });
}

void SessionService::Rotate(const Request& request,
                            std::optional<int64_t> lease_token,
                            Respond respond) const {
  if (auto error = RequireNoBody(request)) return respond(std::move(*error));
  manager_->RotateIdAsync(request.routed.session_id, lease_token,
                          [respond = std::move(respond)](Result<Session> r) {
                            if (!r.ok()) {
                              return respond(StatusResponse(r.status(), false));
                            }
                            respond(SessionResponse(200, *r));
                          });
}

void SessionService::AcquireLease(const Request& request,
                                  Respond respond) const {
  Result<LeaseRequest> lease = ParseLeaseRequest(request.body, false);
  if (!lease.ok()) return respond(BadRequest(lease.status()));
  manager_->AcquireLeaseAsync(
      request.routed.session_id, std::move(lease->holder), lease->ttl,
      [respond = std::move(respond)](Result<LeaseAttempt> r) {
        if (!r.ok()) return respond(StatusResponse(r.status(), false));
        if (!r->acquired) return respond(LeaseHeldResponse(r->lease));
        respond(JsonOk(LeaseToJson(r->lease)));
      });
}

void SessionService::RenewLease(const Request& request, int64_t token,
                                Respond respond) const {
  Result<LeaseRequest> lease = ParseLeaseRequest(request.body, true);
  if (!lease.ok()) return respond(BadRequest(lease.status()));
  manager_->RenewLeaseAsync(
      request.routed.session_id, token, lease->ttl,
      [respond = std::move(respond)](Result<Lease> r) {
        if (!r.ok()) {
          return respond(StatusResponse(r.status(), false));
        }
        respond(JsonOk(LeaseToJson(*r)));
      });
}

void SessionService::ReleaseLease(const Request& request,
                                  Respond respond) const {
  if (auto error = RequireNoBody(request)) return respond(std::move(*error));
  manager_->ReleaseLeaseAsync(request.routed.session_id,
                              request.routed.lease_token,
                              [respond = std::move(respond)](const Status& s) {
                                if (!s.ok()) {
                                  return respond(StatusResponse(s, false));
                                }
                                respond(NoContent());
                              });
}

void SessionService::ListPrincipal(const Request& request,
                                   Respond respond) const {
  if (auto error = RequireNoBody(request)) return respond(std::move(*error));
  manager_->FindByPrincipalAsync(
      request.routed.principal,
      [respond = std::move(respond)](Result<std::vector<std::string>> r) {
        if (!r.ok()) return respond(StatusResponse(r.status(), false));
        respond(JsonOk(SessionIdsToJson(*r)));
      });
}

void SessionService::InvalidatePrincipal(const Request& request,
                                         Respond respond) const {
  if (auto error = RequireNoBody(request)) return respond(std::move(*error));
  manager_->InvalidateAllForPrincipalAsync(
      request.routed.principal,
      [respond = std::move(respond)](Result<size_t> r) {
        if (!r.ok()) return respond(StatusResponse(r.status(), false));
        respond(JsonOk(InvalidatedToJson(*r)));
      });
}

Response SessionService::Readyz() const {
  if (draining_->load()) return UnavailableResponse("shutting down");
  // The connection state answers at once when the connection drops; the
  // probe catches a server that is connected but does not answer.
  const ConnectionStats connection = manager_->stats().connection;
  if (!connection.connected) {
    return UnavailableResponse("not connected to ZooKeeper (" +
                               connection.state + ")");
  }
  if (!readiness_->ready()) {
    return UnavailableResponse("ZooKeeper does not answer");
  }
  return JsonOk(R"({"status":"ready"})");
}

Response SessionService::MetricsPage() const {
  Metrics::Gauges gauges;
  gauges.manager = manager_->stats();
  gauges.ready = gauges.manager.connection.connected && readiness_->ready();
  gauges.draining = draining_->load();
  gauges.probes_ok = readiness_->probes_ok();
  gauges.probes_failed = readiness_->probes_failed();
  Response response;
  response.body = metrics_->Render(gauges);
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

}  // namespace sessionkeeper::server
