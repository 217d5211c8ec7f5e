// Metrics: request counters and latency histograms by route and status,
// requests in flight, the service's own gauges and the SessionManager's
// statistics (ZooKeeper connection, cache, expiry, leases), rendered in the
// Prometheus text format. Thread-safe and lock-free: every loop thread
// records into shared relaxed atomics; a scrape sums what it sees.
#ifndef SESSIONKEEPER_SERVER_METRICS_H_
#define SESSIONKEEPER_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/router.h"
#include "sessionkeeper/manager_stats.h"

namespace sessionkeeper::server {

class Metrics {
 public:
  Metrics();

  void RequestStarted() { in_flight_.fetch_add(1, kRelaxed); }
  void RequestFinished(Route route, int http_status,
                       std::chrono::nanoseconds latency);
  // A request answered 503 because ZooKeeper did not answer in time.
  void RequestTimedOut() { timeouts_.fetch_add(1, kRelaxed); }
  void ConnectionOpened() { connections_.fetch_add(1, kRelaxed); }
  void ConnectionClosed() { connections_.fetch_sub(1, kRelaxed); }
  // A connection closed because its request arrived too slowly.
  void SlowRequestClosed() { slow_requests_.fetch_add(1, kRelaxed); }

  // State owned elsewhere, rendered with the counters.
  struct Gauges {
    bool ready = false;     // What /readyz answers (draining aside).
    bool draining = false;  // Shutting down.
    uint64_t probes_ok = 0;
    uint64_t probes_failed = 0;
    // The SessionManager's connection, cache and lifecycle figures.
    ManagerStats manager;
  };
  std::string Render(const Gauges& gauges) const;

  // Bucket upper bounds, in seconds.
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  // HTTP statuses the service can answer; anything else counts as "other".
  static constexpr std::array<int, 14> kStatuses = {
      200, 201, 204, 400, 401, 403, 404, 405, 409, 410, 412, 413, 503, 0};

 private:
  static constexpr auto kRelaxed = std::memory_order_relaxed;
  struct Series {
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
    std::array<std::atomic<uint64_t>, kBuckets.size()> buckets{};
  };
  static size_t StatusIndex(int http_status);

  std::array<std::array<Series, kStatuses.size()>, kRouteCount> series_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> timeouts_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> slow_requests_{0};
  const std::chrono::system_clock::time_point started_;
};

// The SessionManager's figures as Prometheus families
// (sessionkeeperd_zookeeper_*, _cache_*, _expiry_*, _leases_*, ...).
std::string RenderManagerStats(const ManagerStats& stats);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_METRICS_H_
