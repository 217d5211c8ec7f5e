// Prometheus text exposition (format 0.0.4).
#include "server/metrics.h"

#include <cstdio>

namespace sessionkeeper::server {

namespace {

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace

Metrics::Metrics() : started_(std::chrono::system_clock::now()) {}

size_t Metrics::StatusIndex(int http_status) {
  for (size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == http_status) return i;
  }
  return kStatuses.size() - 1;
}

void Metrics::RequestFinished(Route route, int http_status,
                              std::chrono::nanoseconds latency) {
  in_flight_.fetch_sub(1, kRelaxed);
  const auto r = static_cast<size_t>(route);
  Series& s = series_[r < kRouteCount ? r : 0][StatusIndex(http_status)];
  s.count.fetch_add(1, kRelaxed);
  const int64_t ns = latency.count() > 0 ? latency.count() : 0;
  s.sum_ns.fetch_add(static_cast<uint64_t>(ns), kRelaxed);
  const double seconds = static_cast<double>(ns) / 1e9;
  for (size_t b = 0; b < kBuckets.size(); ++b) {
    if (seconds <= kBuckets[b]) {
      s.buckets[b].fetch_add(1, kRelaxed);
      break;  // Stored per bucket; cumulated when rendered.
    }
  }
}

std::string Metrics::Render(const Gauges& gauges) const {
  std::string out;
  out.reserve(size_t{16} * 1024);
  out +=
      "# HELP sessionkeeperd_http_requests_total HTTP requests answered, by "
      "route and status.\n"
      "# TYPE sessionkeeperd_http_requests_total counter\n";
  std::string histogram =
      "# HELP sessionkeeperd_http_request_duration_seconds Time from a "
      "request's arrival to its answer.\n"
      "# TYPE sessionkeeperd_http_request_duration_seconds histogram\n";
  for (size_t r = 0; r < kRouteCount; ++r) {
    for (size_t st = 0; st < kStatuses.size(); ++st) {
      const Series& s = series_[r][st];
      const uint64_t count = s.count.load(kRelaxed);
      if (count == 0) continue;
      const std::string labels =
          "route=\"" + std::string(RouteName(static_cast<Route>(r))) +
          "\",code=\"" +
          (kStatuses[st] == 0 ? std::string("other")
                              : std::to_string(kStatuses[st])) +
          "\"";
      out += "sessionkeeperd_http_requests_total{" + labels + "} " +
             std::to_string(count) + "\n";
      uint64_t cumulative = 0;
      for (size_t b = 0; b < kBuckets.size(); ++b) {
        cumulative += s.buckets[b].load(kRelaxed);
        histogram += "sessionkeeperd_http_request_duration_seconds_bucket{" +
                     labels + ",le=\"" + FormatDouble(kBuckets[b]) + "\"} " +
                     std::to_string(cumulative) + "\n";
      }
      // Read independently of the buckets, so +Inf is the count itself.
      histogram += "sessionkeeperd_http_request_duration_seconds_bucket{" +
                   labels + ",le=\"+Inf\"} " + std::to_string(count) + "\n";
      histogram +=
          "sessionkeeperd_http_request_duration_seconds_sum{" + labels + "} " +
          FormatDouble(static_cast<double>(s.sum_ns.load(kRelaxed)) / 1e9) +
          "\n";
      histogram += "sessionkeeperd_http_request_duration_seconds_count{" +
                   labels + "} " + std::to_string(count) + "\n";
    }
  }
  out += histogram;
  out +=
      "# HELP sessionkeeperd_http_requests_in_flight Requests received and "
      "not yet answered.\n"
      "# TYPE sessionkeeperd_http_requests_in_flight gauge\n"
      "sessionkeeperd_http_requests_in_flight " +
      std::to_string(in_flight_.load(kRelaxed)) + "\n";
  out +=
      "# HELP sessionkeeperd_request_timeouts_total Requests answered 503 "
      "because ZooKeeper did not answer within --request_timeout_s.\n"
      "# TYPE sessionkeeperd_request_timeouts_total counter\n"
      "sessionkeeperd_request_timeouts_total " +
      std::to_string(timeouts_.load(kRelaxed)) + "\n";
  out +=
      "# HELP sessionkeeperd_zookeeper_ready 1 when the last readiness probe "
      "reached ZooKeeper.\n"
      "# TYPE sessionkeeperd_zookeeper_ready gauge\n"
      "sessionkeeperd_zookeeper_ready " +
      std::string(gauges.ready ? "1" : "0") + "\n";
  out +=
      "# HELP sessionkeeperd_readiness_probes_total Readiness probes of "
      "ZooKeeper, by result.\n"
      "# TYPE sessionkeeperd_readiness_probes_total counter\n"
      "sessionkeeperd_readiness_probes_total{result=\"ok\"} " +
      std::to_string(gauges.probes_ok) +
      "\n"
      "sessionkeeperd_readiness_probes_total{result=\"failed\"} " +
      std::to_string(gauges.probes_failed) + "\n";
  out +=
      "# HELP sessionkeeperd_draining 1 while shutting down.\n"
      "# TYPE sessionkeeperd_draining gauge\n"
      "sessionkeeperd_draining " +
      std::string(gauges.draining ? "1" : "0") + "\n";
  out +=
      "# HELP sessionkeeperd_start_time_seconds Process start, seconds since "
      "the epoch.\n"
      "# TYPE sessionkeeperd_start_time_seconds gauge\n"
      "sessionkeeperd_start_time_seconds " +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                         started_.time_since_epoch())
                         .count()) +
      "\n";
  return out;
}

}  // namespace sessionkeeper::server
