// SessionService: what each route does. Turns a routed request into
// SessionManager *Async calls and their results into responses; never
// waits. Independent of libevent: the HTTP loop hands it a Request and a
// Respond callback.
//
// Thread-safe: Handle runs on any loop thread; the Respond callbacks run on
// the manager's callback thread (or, for errors found before any call, on
// the calling thread).
#ifndef SESSIONKEEPER_SERVER_SERVICE_H_
#define SESSIONKEEPER_SERVER_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "server/metrics.h"
#include "server/readiness.h"
#include "server/response.h"
#include "server/router.h"
#include "sessionkeeper/result.h"
#include "sessionkeeper/session_manager.h"

namespace sessionkeeper::server {

struct Request {
  RoutedRequest routed;
  std::string body;
  std::optional<std::string> if_match;  // The If-Match header, if sent.
  // The X-Lease-Token header, if sent (several: their values joined by
  // ", ", which no token parses as).
  std::optional<std::string> lease_token;
};

// Called exactly once per request, from any thread.
using Respond = std::function<void(Response)>;

class SessionService {
 public:
  // None owned; all must outlive the service.
  SessionService(SessionManager* manager, const Metrics* metrics,
                 const ReadinessProbe* readiness,
                 const std::atomic<bool>* draining)
      : manager_(manager),
        metrics_(metrics),
        readiness_(readiness),
        draining_(draining) {}

  void Handle(const Request& request, Respond respond) const;

 private:
  void Create(const Request& request, Respond respond) const;
  void Get(const Request& request, Respond respond) const;
  // `lease_token`: the X-Lease-Token header; the write is then fenced.
  void Mutate(const Request& request, std::optional<int64_t> lease_token,
              Respond respond) const;
  void Touch(const Request& request, std::optional<int64_t> lease_token,
             Respond respond) const;
  void Delete(const Request& request, std::optional<int64_t> lease_token,
              Respond respond) const;
  void Rotate(const Request& request, std::optional<int64_t> lease_token,
              Respond respond) const;
  void AcquireLease(const Request& request, Respond respond) const;
  void RenewLease(const Request& request, int64_t token, Respond respond) const;
  void ReleaseLease(const Request& request, Respond respond) const;
  void ListPrincipal(const Request& request, Respond respond) const;
  void InvalidatePrincipal(const Request& request, Respond respond) const;
  Response Readyz() const;
  Response MetricsPage() const;

  SessionManager* const manager_;
  const Metrics* const metrics_;
  const ReadinessProbe* const readiness_;
  const std::atomic<bool>* const draining_;
};

// The If-Match header as an expected version: a decimal int32, optionally
// in double quotes (the form of the ETag the service sends). nullopt when
// absent; InvalidArgument for anything else ("*", lists, weak tags).
Result<std::optional<int32_t>> ParseIfMatch(
    const std::optional<std::string>& header);

// The X-Lease-Token header as a fencing token (see ParseLeaseToken):
// nullopt when absent; InvalidArgument when malformed.
Result<std::optional<int64_t>> ParseLeaseTokenHeader(
    const std::optional<std::string>& header);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_SERVICE_H_
