// What reading a session costs in ZooKeeper operations with touch
// coalescing on (touch_fraction 0.1, the default) and off (0: every read
// writes the access time back). sessionkeeperd has no flag for
// touch_fraction, so this is measured at the library level, the way the
// daemon reads (GetAsync with kCached).
//
//   touch_coalescing_bench --zk=CONNECT [--zk_pids=...] [--sessions=1000]
//       [--seconds=4] [--max_idle_s=20] [--metrics=FILE]
//
// A short max idle makes coalescing visible within the run: with 0.1 of
// 20 s, each session is written back about every 2 s while it is read.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/windowed_run.h"
#include "bench/zk_servers.h"
#include "sessionkeeper/session_manager.h"

namespace sk = sessionkeeper;
namespace bench = sessionkeeper::bench;

namespace {

struct Outcome {
  bench::RunResult reads;
  sk::CacheStats cache;
};

Outcome Measure(const std::string& connect, const bench::ZkServers& servers,
                double touch_fraction, int sessions,
                std::chrono::milliseconds duration,
                std::chrono::milliseconds max_idle) {
  sk::SessionManagerOptions options;
  options.connect_string = connect;
  options.root = "/bench-touch";
  options.touch_fraction = touch_fraction;
  // Room for the servers' pauses (garbage collection) on a loaded machine.
  options.zk_session_timeout = std::chrono::seconds(30);
  auto manager = sk::SessionManager::Open(options);
  if (!manager.ok()) {
    std::fprintf(stderr, "%s\n", manager.status().ToString().c_str());
    std::exit(1);
  }
  std::vector<std::string> ids;
  sk::CreateRequest request;
  request.attributes = bench::OneKibAttributes();
  request.max_idle = max_idle;
  std::mutex mu;
  bench::WindowedRun::Options fill;
  fill.duration = std::chrono::minutes(5);
  fill.max_ops = static_cast<uint64_t>(sessions);
  (void)bench::WindowedRun::Run(fill, [&](bench::WindowedRun::Slot* slot) {
    (*manager)->CreateAsync(request, [&, slot](sk::Result<sk::Session> s) {
      if (s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        ids.push_back(s->id);
      }
      bench::WindowedRun::Finish(slot, s.ok());
    });
  });
  // Reads through the asynchronous API with a window, as the daemon does: a
  // hit completes at once, a miss (after a touch invalidated the copy) waits
  // for ZooKeeper without holding the other slots up.
  bench::WindowedRun::Options run;
  run.window = 64;
  run.duration = duration;
  run.servers = &servers;
  std::atomic<uint64_t> next{0};
  const sk::CacheStats before = (*manager)->cache_stats();
  Outcome outcome;
  outcome.reads =
      bench::WindowedRun::Run(run, [&](bench::WindowedRun::Slot* s) {
        (*manager)->GetAsync(ids[next.fetch_add(1) % ids.size()],
                             sk::ReadConsistency::kCached,
                             [s](sk::Result<sk::Session> read) {
                               bench::WindowedRun::Finish(s, read.ok());
                             });
      });
  outcome.cache = (*manager)->cache_stats();
  outcome.cache.hits -= before.hits;
  outcome.cache.misses -= before.misses;
  return outcome;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv);
  const std::string connect = flags.String("zk", "");
  if (connect.empty()) {
    std::fprintf(stderr, "usage: %s --zk=CONNECT [--flag=value...]\n", argv[0]);
    return 2;
  }
  const bench::ZkServers servers(connect, flags.String("zk_pids", ""));
  bench::MetricsFile metrics(flags.String("metrics", ""));
  const int sessions = static_cast<int>(flags.Int("sessions", 1000));
  const auto duration =
      std::chrono::milliseconds(flags.Int("seconds", 4) * 1000);
  const auto max_idle =
      std::chrono::milliseconds(flags.Int("max_idle_s", 20) * 1000);

  std::printf(
      "%d sessions of 1 KiB with max idle %lld s, read round-robin through "
      "`GetAsync(kCached)` (window 64) for %lld s per row.\n\n%s\n%s\n",
      sessions, static_cast<long long>(max_idle.count() / 1000),
      static_cast<long long>(duration.count() / 1000),
      bench::Row({"touch coalescing", "touch_fraction", "reads/s",
                  "cache hit ratio", "ZK requests per read",
                  "ZK writes per read", "ZK servers CPU us per read",
                  "p50 / p99 us"})
          .c_str(),
      bench::Row(
          {"---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"})
          .c_str());
  for (const auto& [name, fraction] :
       std::vector<std::pair<std::string, double>>{{"on", 0.1}, {"off", 0.0}}) {
    const Outcome o =
        Measure(connect, servers, fraction, sessions, duration, max_idle);
    const double lookups = static_cast<double>(o.cache.hits + o.cache.misses);
    const double hit_ratio =
        lookups > 0 ? static_cast<double>(o.cache.hits) / lookups : 0;
    std::printf("%s\n",
                bench::Row({name, bench::FormatFixed(fraction, 1),
                            bench::Grouped(o.reads.ops_per_s),
                            bench::FormatFixed(hit_ratio, 4),
                            bench::FormatFixed(o.reads.zk_requests_per_op, 4),
                            bench::FormatFixed(o.reads.zk_writes_per_op, 4),
                            bench::FormatFixed(o.reads.zk_cpu_us_per_op, 2),
                            bench::FormatMicros(o.reads.p50_us) + " / " +
                                bench::FormatMicros(o.reads.p99_us)})
                    .c_str());
    const std::string prefix = "touch." + name;
    metrics.Put(prefix + ".reads_per_s", o.reads.ops_per_s);
    metrics.Put(prefix + ".hit_ratio", hit_ratio);
    metrics.Put(prefix + ".zk_requests_per_read", o.reads.zk_requests_per_op);
    metrics.Put(prefix + ".zk_writes_per_read", o.reads.zk_writes_per_op);
  }
  return 0;
}
