// Prometheus text exposition (format 0.0.4).
#include "server/metrics.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace sessionkeeper::server {

namespace {

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

// A label value in the exposition format: backslash, quote and newline
// escaped.
std::string LabelValue(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// One family with a single unlabelled sample.
void AddFamily(std::string* out, std::string_view name, std::string_view type,
               std::string_view help, uint64_t value) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
  *out += name;
  *out += ' ';
  *out += std::to_string(value);
  *out += '\n';
}

void AddCounter(std::string* out, std::string_view name, std::string_view help,
                uint64_t value) {
  AddFamily(out, name, "counter", help, value);
}

void AddGauge(std::string* out, std::string_view name, std::string_view help,
              uint64_t value) {
  AddFamily(out, name, "gauge", help, value);
}

// The states ConnectionStats::state takes; each gets a sample, so that a
// dashboard sees a 0 rather than a missing series.
constexpr std::array<std::string_view, 6> kConnectionStates = {
    "connecting", "connected",   "disconnected",
    "expired",    "auth_failed", "closed"};

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
      "# HELP sessionkeeperd_http_connections Open client connections (a "
      "closed one is counted out within a second).\n"
      "# TYPE sessionkeeperd_http_connections gauge\n"
      "sessionkeeperd_http_connections " +
      std::to_string(connections_.load(kRelaxed)) + "\n";
  AddCounter(&out, "sessionkeeperd_http_slow_requests_closed_total",
             "Connections closed because a request did not arrive completely "
             "within --request_read_timeout_s.",
             slow_requests_.load(kRelaxed));
  out +=
      "# HELP sessionkeeperd_request_timeouts_total Requests answered 503 "
      "because ZooKeeper did not answer within --request_timeout_s.\n"
      "# TYPE sessionkeeperd_request_timeouts_total counter\n"
      "sessionkeeperd_request_timeouts_total " +
      std::to_string(timeouts_.load(kRelaxed)) + "\n";
  out +=
      "# HELP sessionkeeperd_zookeeper_ready 1 when connected to ZooKeeper "
      "and the last readiness probe was answered (what /readyz says).\n"
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
  out += RenderManagerStats(gauges.manager);
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

std::string RenderManagerStats(const ManagerStats& stats) {
  std::string out;
  out.reserve(size_t{4} * 1024);
  const ConnectionStats& c = stats.connection;
  AddGauge(&out, "sessionkeeperd_zookeeper_connected",
           "1 while the SessionManager's ZooKeeper connection is up.",
           c.connected ? 1 : 0);
  out +=
      "# HELP sessionkeeperd_zookeeper_connection_state The ZooKeeper "
      "connection's state: 1 for the current one.\n"
      "# TYPE sessionkeeperd_zookeeper_connection_state gauge\n";
  for (const std::string_view state : kConnectionStates) {
    out += "sessionkeeperd_zookeeper_connection_state{state=\"";
    out += state;
    out += state == c.state ? "\"} 1\n" : "\"} 0\n";
  }
  if (!c.state.empty() && std::ranges::find(kConnectionStates, c.state) ==
                              kConnectionStates.end()) {
    out += "sessionkeeperd_zookeeper_connection_state{state=\"" +
           LabelValue(c.state) + "\"} 1\n";
  }
  AddGauge(&out, "sessionkeeperd_zookeeper_session_generation",
           "ZooKeeper session generation: 1, plus one per session loss "
           "handled (each loss drops the cache and re-registers the member).",
           c.generation);
  if (c.connected && !c.server.empty()) {
    out +=
        "# HELP sessionkeeperd_zookeeper_server_info The ZooKeeper server "
        "this daemon is connected to.\n"
        "# TYPE sessionkeeperd_zookeeper_server_info gauge\n"
        "sessionkeeperd_zookeeper_server_info{server=\"" +
        LabelValue(c.server) + "\"} 1\n";
  }

  const CacheStats& cache = stats.cache;
  AddCounter(&out, "sessionkeeperd_cache_hits_total",
             "Cached reads served from memory.", cache.hits);
  AddCounter(&out, "sessionkeeperd_cache_misses_total",
             "Cached reads that went to ZooKeeper.", cache.misses);
  AddCounter(&out, "sessionkeeperd_cache_invalidations_total",
             "Cache entries dropped by a ZooKeeper watch event.",
             cache.invalidations);
  AddCounter(&out, "sessionkeeperd_cache_evictions_total",
             "Cache entries dropped for room.", cache.evictions);
  AddCounter(&out, "sessionkeeperd_cache_stale_reads_total",
             "Reads served stale while disconnected (opted in).",
             cache.stale_reads);
  AddCounter(&out, "sessionkeeperd_cache_reloads_total",
             "Cache entries (re)filled from ZooKeeper.", cache.reloads);
  AddCounter(&out, "sessionkeeperd_cache_revalidations_total",
             "czxid/mzxid checks of cache entries after a reconnect.",
             cache.revalidations);
  AddGauge(&out, "sessionkeeperd_cache_entries", "Sessions in the cache.",
           cache.entries);
  AddGauge(&out, "sessionkeeperd_cache_bytes",
           "Approximate bytes of session data in the cache.", cache.bytes);

  const LifecycleStats& life = stats.lifecycle;
  AddGauge(&out, "sessionkeeperd_cluster_members",
           "Live SessionManagers on this root, as last seen.", life.members);
  AddGauge(&out, "sessionkeeperd_expiry_owned_buckets",
           "Session buckets whose expiry this daemon owns.",
           life.owned_buckets);
  AddGauge(&out, "sessionkeeperd_expiry_scheduled_sessions",
           "Session deadlines in this daemon's expiry schedule.",
           life.scheduled_sessions);
  AddCounter(&out, "sessionkeeperd_sessions_expired_total",
             "Expired sessions this daemon deleted (each expiry is counted "
             "by exactly one member of the cluster).",
             life.expired_deleted);
  AddGauge(&out, "sessionkeeperd_leases_held",
           "Session leases held through this daemon.", life.leases_held);
  AddCounter(&out, "sessionkeeperd_leases_acquired_total",
             "Lease acquisitions granted.", life.leases_acquired);
  AddCounter(&out, "sessionkeeperd_leases_contended_total",
             "Lease acquisitions refused because another holder has it.",
             life.leases_contended);
  AddCounter(&out, "sessionkeeperd_leases_taken_over_total",
             "Expired leases taken over from another holder.",
             life.leases_taken_over);
  AddCounter(&out, "sessionkeeperd_leases_lost_total",
             "Held leases lost with the ZooKeeper session.", life.leases_lost);
  AddCounter(&out, "sessionkeeperd_fenced_writes_rejected_total",
             "Writes refused because their lease token was no longer the "
             "session's lease.",
             life.fenced_writes_rejected);
  return out;
}

}  // namespace sessionkeeper::server
