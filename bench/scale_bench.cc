// How the cost of an operation changes as the store grows and as managers
// are added.
//
//   scale_bench --mode=sizes --zk=CONNECT [--zk_pids=...] [--root=/scale]
//       [--sizes=10000,100000] [--seconds=3] [--window=64]
//       [--zk_max_packet_bytes=N] [--ids_out=FILE] [--metrics=FILE]
//       [--plot_data=FILE] [--memory_out=FILE]
//     Grows one root to each size in turn (unmeasured), reads each new
//     session once through the cache (a fill each), then reads the whole
//     population from the cache, reads it from the server, mutates it and
//     creates more, each for a fixed time. /proc/self/statm is read before
//     and after each fill: --memory_out gets the resident bytes per cached
//     session.
//
//   scale_bench --mode=managers --zk=CONNECT [--zk_pids=...] --ids_file=FILE
//       [--root=/scale] [--count=10000] [--max_managers=3]
//       [--seconds=3] [--window=64] [--metrics=FILE] [--plot_data=FILE]
//     For 1..max_managers manager processes (forked, each with its own
//     ZooKeeper session and cache, each working on its own share of
//     `count` sessions), runs each phase in all of them at once and reports
//     the totals and the cost per operation.
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/cached_loop.h"
#include "bench/windowed_run.h"
#include "bench/zk_servers.h"
#include "sessionkeeper/session_manager.h"

namespace sk = sessionkeeper;
namespace bench = sessionkeeper::bench;

namespace {

using bench::RunResult;
using bench::WindowedRun;

struct Config {
  std::string connect;
  std::string root;
  int window = 64;
  std::chrono::milliseconds duration{3000};
  size_t zk_max_packet_bytes = 1024 * 1024;
};

std::vector<int64_t> ParseList(const std::string& text) {
  std::vector<int64_t> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) values.push_back(std::atoll(item.c_str()));
  }
  return values;
}

std::unique_ptr<sk::SessionManager> OpenManager(const Config& config,
                                                size_t cache_entries) {
  sk::SessionManagerOptions options;
  options.connect_string = config.connect;
  options.root = config.root;
  options.touch_fraction = 1.0;  // Reads measure reads, not touches.
  options.cache_max_entries = cache_entries;
  options.cache_max_bytes = size_t{4} << 30;  // Bounded by entries here.
  options.zk_max_packet_bytes = config.zk_max_packet_bytes;
  // Room for the servers' pauses (garbage collection) on a loaded machine.
  options.zk_session_timeout = std::chrono::seconds(30);
  auto manager = sk::SessionManager::Open(options);
  if (!manager.ok()) {
    std::fprintf(stderr, "scale_bench: %s\n",
                 manager.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*manager);
}

// --- The operations, each on `ids` ---------------------------------------

// `count` creates (0: for config.duration) with `window` in flight.
RunResult Create(sk::SessionManager& manager, const Config& config, int window,
                 uint64_t count, std::vector<std::string>& ids,
                 const bench::ZkServers* servers) {
  std::mutex mu;
  WindowedRun::Options run;
  run.window = window;
  run.duration = count > 0 ? std::chrono::minutes(30) : config.duration;
  run.max_ops = count;
  run.servers = servers;
  return WindowedRun::Run(run, [&](WindowedRun::Slot* slot) {
    sk::CreateRequest request;
    request.attributes = bench::OneKibAttributes();
    manager.CreateAsync(std::move(request),
                        [&, slot](sk::Result<sk::Session> created) {
                          if (created.ok()) {
                            std::lock_guard<std::mutex> lock(mu);
                            ids.push_back(created->id);
                          }
                          WindowedRun::Finish(slot, created.ok());
                        });
  });
}

// Every id once, or for a fixed time when `duration` is set.
RunResult Read(sk::SessionManager& manager, const Config& config,
               const std::vector<std::string>& ids,
               sk::ReadConsistency consistency, bool every_id_once,
               const bench::ZkServers* servers) {
  std::atomic<uint64_t> next{0};
  WindowedRun::Options run;
  run.window = config.window;
  run.duration = every_id_once ? std::chrono::minutes(30) : config.duration;
  run.max_ops = every_id_once ? ids.size() : 0;
  run.servers = servers;
  constexpr uint64_t kStride = 104729;  // Prime: scattered over the ids.
  return WindowedRun::Run(run, [&](WindowedRun::Slot* slot) {
    const uint64_t n = next.fetch_add(1);
    const std::string& id =
        ids[every_id_once ? n % ids.size() : (n * kStride) % ids.size()];
    manager.GetAsync(id, consistency, [slot](sk::Result<sk::Session> read) {
      WindowedRun::Finish(slot, read.ok());
    });
  });
}

RunResult Mutate(sk::SessionManager& manager, const Config& config,
                 const std::vector<std::string>& ids,
                 const bench::ZkServers* servers) {
  WindowedRun::Options run;
  run.window = config.window;
  run.duration = config.duration;
  run.servers = servers;
  const size_t window = static_cast<size_t>(config.window);
  return WindowedRun::Run(run, [&](WindowedRun::Slot* slot) {
    // Slot s works on ids s, s + window, ...: never two writes in flight
    // on one session.
    const size_t index = (static_cast<size_t>(slot->index) +
                          static_cast<size_t>(slot->seq) * window) %
                         ids.size();
    sk::Mutation mutation;
    mutation.set["attr3"] =
        std::string(95, static_cast<char>('a' + slot->seq % 26));
    manager.MutateAsync(ids[index], std::move(mutation),
                        [slot](sk::Result<sk::Session> written) {
                          WindowedRun::Finish(slot, written.ok());
                        });
  });
}

// --- Sizes ------------------------------------------------------------------

int64_t SettledResidentBytes() {
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  malloc_trim(0);
  return bench::ResidentBytes();
}

struct MemoryRow {
  int64_t size = 0;
  size_t filled = 0;     // Sessions read into the cache.
  uint64_t entries = 0;  // Cache entries afterwards.
  int64_t rss_before = 0;
  int64_t rss_after = 0;
  double cache_estimate = 0;  // The cache's own bytes per entry.
};

// Resident bytes per cached session, from each fill; the largest is the
// headline (the fixed costs weigh least there).
void ReportMemory(const std::vector<MemoryRow>& rows,
                  bench::MetricsFile& metrics, const std::string& path) {
  if (rows.empty() || path.empty()) return;
  FILE* out = std::fopen(path.c_str(), "w");
  if (out == nullptr) return;
  const double payload = static_cast<double>(bench::OneKibPayloadBytes());
  std::fprintf(
      out, "%s\n%s\n",
      bench::Row({"sessions in the store", "sessions filled into the cache",
                  "RSS before", "RSS after",
                  "resident bytes per cached session", "cache's own estimate",
                  "payload (names + values)", "per session / payload"})
          .c_str(),
      bench::Row(
          {"---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"})
          .c_str());
  for (const MemoryRow& row : rows) {
    const double per_session =
        static_cast<double>(row.rss_after - row.rss_before) /
        static_cast<double>(std::max<size_t>(row.filled, 1));
    std::fprintf(
        out, "%s\n",
        bench::Row({bench::Grouped(static_cast<double>(row.size)),
                    bench::Grouped(static_cast<double>(row.filled)),
                    bench::FormatFixed(
                        static_cast<double>(row.rss_before) / 1048576, 1) +
                        " MiB",
                    bench::FormatFixed(
                        static_cast<double>(row.rss_after) / 1048576, 1) +
                        " MiB",
                    "**" + bench::Grouped(per_session) + " B**",
                    bench::Grouped(row.cache_estimate) + " B",
                    bench::Grouped(payload) + " B",
                    "**" + bench::FormatRatio(per_session / payload) + "**"})
            .c_str());
    if (&row == &rows.back()) {
      metrics.Put("memory.entries", static_cast<double>(row.filled));
      metrics.Put("memory.per_session_bytes", per_session);
      metrics.Put("memory.payload_bytes", payload);
      metrics.Put("memory.ratio", per_session / payload);
      metrics.Put("memory.cache_estimate_bytes", row.cache_estimate);
    }
  }
  std::fclose(out);
}

std::string CostCells(const RunResult& r) {
  return bench::FormatFixed(r.client_cpu_us_per_op, 2) + " | " +
         (r.zk_cpu_us_per_op < 0 ? "n/a"
                                 : bench::FormatFixed(r.zk_cpu_us_per_op, 1)) +
         " | " +
         (r.zk_requests_per_op < 0
              ? "n/a"
              : bench::FormatFixed(r.zk_requests_per_op, 2));
}

int RunSizes(bench::Flags& flags, const Config& config) {
  const bench::ZkServers servers(config.connect, flags.String("zk_pids", ""));
  bench::MetricsFile metrics(flags.String("metrics", ""));
  std::vector<int64_t> sizes = ParseList(flags.String("sizes", "10000,100000"));
  std::sort(sizes.begin(), sizes.end());
  if (sizes.empty()) return 2;
  const int64_t largest = sizes.back();
  // Room for every session: the cache must not evict during the run. Its
  // bound is enforced per shard (1/32 each), so it needs slack over the
  // session count for the hash's imbalance between shards.
  auto manager =
      OpenManager(config, static_cast<size_t>(largest + largest / 4 + 2048));
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(largest));
  std::ofstream plot;
  if (flags.Has("plot_data")) {
    plot.open(flags.String("plot_data", ""));
    plot << "# sessions create_ops cold_get_ops cached_get_ops "
            "sequential_get_ops mutate_ops create_zk_cpu_us cached_cpu_us "
            "sequential_zk_cpu_us mutate_zk_cpu_us\n";
  }
  std::printf(
      "One manager (cache sized for every session), window %d; fixed-time "
      "rows run %.0f s. Costs per operation: this process's CPU, the three "
      "servers' CPU, requests the servers received.\n\n%s\n%s\n",
      config.window, bench::Seconds(config.duration),
      bench::Row({"sessions", "operation", "ops/s", "p50 / p99 us",
                  "client CPU us/op", "ZK servers CPU us/op", "ZK requests/op"})
          .c_str(),
      bench::Row({"---:", "---", "---:", "---:", "---:", "---:", "---:"})
          .c_str());
  size_t cached_so_far = 0;
  std::vector<MemoryRow> memory_rows;
  for (const int64_t size : sizes) {
    // The bulk of the growth is not measured: a wide window gets there
    // sooner (the servers commit many creates per disk sync).
    if (ids.size() < static_cast<size_t>(size)) {
      const uint64_t missing = static_cast<uint64_t>(size) - ids.size();
      const bench::Clock::time_point fill_start = bench::Clock::now();
      (void)Create(*manager, config, 512, missing, ids, nullptr);
      // The expiry scheduler reads each new session once; let it finish
      // before measuring.
      const double waited = bench::WaitUntilQuiet(servers);
      std::fprintf(stderr,
                   "scale_bench: %zu sessions (+%llu in %.1f s, then %.0f s "
                   "for the expiry scheduler's reads)\n",
                   ids.size(), static_cast<unsigned long long>(missing),
                   bench::Seconds(bench::Clock::now() - fill_start) - waited,
                   waited);
    }
    if (ids.size() < static_cast<size_t>(size)) {
      std::fprintf(stderr, "scale_bench: only %zu of %lld sessions created\n",
                   ids.size(), static_cast<long long>(size));
      return 1;
    }
    // Everything not read yet: the first read of each is a fill.
    const std::vector<std::string> added(ids.begin() + cached_so_far,
                                         ids.end());
    cached_so_far = ids.size();
    // Resident memory around the fill: what the cached copies keep (the
    // ids and the expiry schedule were there before).
    const int64_t rss_before = SettledResidentBytes();
    const RunResult cold = Read(*manager, config, added,
                                sk::ReadConsistency::kCached, true, &servers);
    const int64_t rss_after = SettledResidentBytes();
    const sk::CacheStats filled = manager->cache_stats();
    memory_rows.push_back(
        {size, added.size(), filled.entries, rss_before, rss_after,
         static_cast<double>(filled.bytes) /
             static_cast<double>(std::max<uint64_t>(filled.entries, 1))});
    const RunResult cached =
        bench::RunCachedLoop(*manager, ids, config.duration, 1,
                             bench::CachedRead::kShared, &servers);
    const RunResult sequential =
        Read(*manager, config, ids, sk::ReadConsistency::kSequential, false,
             &servers);
    const RunResult mutate = Mutate(*manager, config, ids, &servers);
    // Last: the sessions it adds are read (cached) at the next size.
    const RunResult create =
        Create(*manager, config, config.window, 0, ids, &servers);
    const std::string label = bench::Grouped(static_cast<double>(size));
    const auto row = [&](const std::string& operation, const RunResult& r) {
      std::printf("%s\n",
                  bench::Row({label, operation, bench::Grouped(r.ops_per_s),
                              bench::FormatMicros(r.p50_us) + " / " +
                                  bench::FormatMicros(r.p99_us),
                              CostCells(r)})
                      .c_str());
      if (r.failed > 0) {
        std::fprintf(stderr, "scale_bench: %s at %lld: %llu failed\n",
                     operation.c_str(), static_cast<long long>(size),
                     static_cast<unsigned long long>(r.failed));
      }
    };
    row("first cached get of " + bench::Grouped(added.size()) +
            " new sessions (a fill each)",
        cold);
    row("cached get (`GetShared`)", cached);
    row("sequential get", sequential);
    row("mutate", mutate);
    row("create", create);
    const sk::CacheStats stats = manager->cache_stats();
    const std::string prefix = "scale." + std::to_string(size);
    metrics.Put(prefix + ".create.ops", create.ops_per_s);
    metrics.Put(prefix + ".cold.ops", cold.ops_per_s);
    metrics.Put(prefix + ".cached.ops", cached.ops_per_s);
    metrics.Put(prefix + ".cached.cpu_us", cached.client_cpu_us_per_op);
    metrics.Put(prefix + ".sequential.ops", sequential.ops_per_s);
    metrics.Put(prefix + ".mutate.ops", mutate.ops_per_s);
    metrics.Put(prefix + ".cache_entries", static_cast<double>(stats.entries));
    if (plot.is_open()) {
      plot << size << " " << create.ops_per_s << " " << cold.ops_per_s << " "
           << cached.ops_per_s << " " << sequential.ops_per_s << " "
           << mutate.ops_per_s << " " << create.zk_cpu_us_per_op << " "
           << cached.client_cpu_us_per_op << " " << sequential.zk_cpu_us_per_op
           << " " << mutate.zk_cpu_us_per_op << "\n";
    }
  }
  const sk::CacheStats stats = manager->cache_stats();
  std::printf("\nCache at the end: %llu entries, %llu evictions.\n",
              static_cast<unsigned long long>(stats.entries),
              static_cast<unsigned long long>(stats.evictions));
  ReportMemory(memory_rows, metrics, flags.String("memory_out", ""));
  if (flags.Has("ids_out")) {
    std::ofstream out(flags.String("ids_out", ""));
    for (const std::string& id : ids) out << id << "\n";
  }
  return 0;
}

// --- Managers ---------------------------------------------------------------

// Phases, in the order the parent runs them.
constexpr char kPhases[] = "msc";  // mutate, sequential get, cached get.

std::string PhaseName(char phase) {
  switch (phase) {
    case 'm':
      return "mutate";
    case 's':
      return "sequential get";
    default:
      return "cached get (`GetShared`, 1 thread per process)";
  }
}

// A forked manager process: opens its manager, warms its cache with its
// share, says "ready", then runs each phase it is told to and answers with
// one line of results.
[[noreturn]] void Worker(const Config& config, std::vector<std::string> ids,
                         int command_fd, int result_fd) {
  auto manager = OpenManager(config, ids.size() + ids.size() / 4 + 2048);
  // Its expiry scheduler first reads the sessions of the buckets it owns.
  (void)bench::WaitUntilQuiet(bench::ZkServers(config.connect, ""));
  const RunResult warm =
      Read(*manager, config, ids, sk::ReadConsistency::kCached, true, nullptr);
  FILE* results = fdopen(result_fd, "w");
  std::fprintf(results, "ready %llu\n",
               static_cast<unsigned long long>(warm.failed));
  std::fflush(results);
  char phase = 0;
  while (read(command_fd, &phase, 1) == 1 && phase != 'q') {
    RunResult r;
    if (phase == 'm') r = Mutate(*manager, config, ids, nullptr);
    if (phase == 's') {
      r = Read(*manager, config, ids, sk::ReadConsistency::kSequential, false,
               nullptr);
    }
    if (phase == 'c') {
      r = bench::RunCachedLoop(*manager, ids, config.duration, 1,
                               bench::CachedRead::kShared, nullptr);
    }
    const double cpu_s = r.client_cpu_us_per_op *
                         static_cast<double>(std::max<uint64_t>(r.ops, 1)) /
                         1e6;
    std::fprintf(results, "%llu %llu %.6f %.3f %.3f %.6f\n",
                 static_cast<unsigned long long>(r.ops),
                 static_cast<unsigned long long>(r.failed), r.seconds, r.p50_us,
                 r.p99_us, cpu_s);
    std::fflush(results);
  }
  manager.reset();
  std::fclose(results);
  _exit(0);
}

struct Child {
  pid_t pid = -1;
  int command_fd = -1;
  FILE* results = nullptr;
};

int RunManagers(bench::Flags& flags, const Config& config) {
  const bench::ZkServers servers(config.connect, flags.String("zk_pids", ""));
  bench::MetricsFile metrics(flags.String("metrics", ""));
  std::vector<std::string> all;
  {
    std::ifstream in(flags.String("ids_file", ""));
    std::string id;
    const size_t count = static_cast<size_t>(flags.Int("count", 10000));
    while (all.size() < count && std::getline(in, id)) {
      if (!id.empty()) all.push_back(id);
    }
  }
  const int max_managers = static_cast<int>(flags.Int("max_managers", 3));
  if (all.size() < static_cast<size_t>(config.window * max_managers)) {
    std::fprintf(stderr, "scale_bench: too few ids in --ids_file\n");
    return 2;
  }
  std::ofstream plot;
  if (flags.Has("plot_data")) {
    plot.open(flags.String("plot_data", ""));
    plot << "# managers mutate_ops sequential_ops cached_ops mutate_zk_cpu_us "
            "sequential_zk_cpu_us cached_cpu_us\n";
  }
  std::printf(
      "%zu sessions split evenly between the managers; each manager keeps "
      "%d requests in flight (window) for %.0f s per phase, all managers at "
      "once. Costs per operation: the managers' CPU (all processes), the "
      "three servers' CPU, requests the servers received.\n\n%s\n%s\n",
      all.size(), config.window, bench::Seconds(config.duration),
      bench::Row({"managers", "operation", "total ops/s", "p50 / p99 us",
                  "managers' CPU us/op", "ZK servers CPU us/op",
                  "ZK requests/op"})
          .c_str(),
      bench::Row({"---:", "---", "---:", "---:", "---:", "---:", "---:"})
          .c_str());
  for (int managers = 1; managers <= max_managers; ++managers) {
    std::vector<Child> children;
    for (int m = 0; m < managers; ++m) {
      std::vector<std::string> share;
      for (size_t i = static_cast<size_t>(m); i < all.size();
           i += static_cast<size_t>(managers)) {
        share.push_back(all[i]);
      }
      int commands[2];
      int results[2];
      if (pipe(commands) != 0 || pipe(results) != 0) return 1;
      std::fflush(stdout);
      const pid_t pid = fork();
      if (pid < 0) return 1;
      if (pid == 0) {
        close(commands[1]);
        close(results[0]);
        for (const Child& other : children) {
          close(other.command_fd);
          std::fclose(other.results);
        }
        Worker(config, std::move(share), commands[0], results[1]);
      }
      close(commands[0]);
      close(results[1]);
      children.push_back({pid, commands[1], fdopen(results[0], "r")});
    }
    bool ok = true;
    for (Child& child : children) {
      unsigned long long failed = 0;
      if (std::fscanf(child.results, " ready %llu", &failed) != 1 ||
          failed != 0) {
        ok = false;
      }
    }
    if (!ok) {
      std::fprintf(stderr, "scale_bench: a manager failed to start\n");
      return 1;
    }
    std::vector<double> plot_ops;
    std::vector<double> plot_costs;
    for (const char* phase = kPhases; *phase != '\0'; ++phase) {
      const bench::ZkSample before = servers.Sample();
      for (Child& child : children) {
        if (write(child.command_fd, phase, 1) != 1) return 1;
      }
      uint64_t ops = 0;
      uint64_t failed = 0;
      double ops_per_s = 0;
      double cpu_s = 0;
      std::vector<double> p50s;
      double p99 = 0;
      for (Child& child : children) {
        unsigned long long child_ops = 0;
        unsigned long long child_failed = 0;
        double seconds = 0;
        double p50 = 0;
        double child_p99 = 0;
        double child_cpu = 0;
        if (std::fscanf(child.results, " %llu %llu %lf %lf %lf %lf", &child_ops,
                        &child_failed, &seconds, &p50, &child_p99,
                        &child_cpu) != 6) {
          std::fprintf(stderr, "scale_bench: lost a manager\n");
          return 1;
        }
        ops += child_ops;
        failed += child_failed;
        ops_per_s += static_cast<double>(child_ops) / seconds;
        cpu_s += child_cpu;
        p50s.push_back(p50);
        p99 = std::max(p99, child_p99);
      }
      const bench::ZkDelta zk =
          bench::ZkServers::Delta(before, servers.Sample());
      const double n = static_cast<double>(std::max<uint64_t>(ops, 1));
      const double zk_cpu_us = zk.ok ? zk.cpu_seconds * 1e6 / n : -1;
      const double zk_requests =
          zk.ok ? static_cast<double>(zk.requests) / n : -1;
      const double cpu_us = cpu_s * 1e6 / n;
      std::printf(
          "%s\n",
          bench::Row(
              {std::to_string(managers), PhaseName(*phase),
               bench::Grouped(ops_per_s),
               bench::FormatMicros(bench::Percentile(p50s, 50)) + " / " +
                   bench::FormatMicros(p99),
               bench::FormatFixed(cpu_us, 2),
               zk_cpu_us < 0 ? "n/a" : bench::FormatFixed(zk_cpu_us, 1),
               zk_requests < 0 ? "n/a" : bench::FormatFixed(zk_requests, 2)})
              .c_str());
      if (failed > 0) {
        std::fprintf(stderr, "scale_bench: %llu failed in phase %c\n",
                     static_cast<unsigned long long>(failed), *phase);
      }
      const std::string prefix =
          "managers." + std::to_string(managers) + "." + std::string(1, *phase);
      metrics.Put(prefix + ".ops", ops_per_s);
      metrics.Put(prefix + ".cpu_us", cpu_us);
      metrics.Put(prefix + ".zk_cpu_us", zk_cpu_us);
      plot_ops.push_back(ops_per_s);
      // Writes and server reads cost the servers; cached reads cost only
      // the managers.
      plot_costs.push_back(*phase == 'c' ? cpu_us : zk_cpu_us);
    }
    if (plot.is_open()) {
      plot << managers;
      for (const double v : plot_ops) plot << " " << v;
      for (const double v : plot_costs) plot << " " << v;
      plot << "\n";
    }
    for (Child& child : children) {
      const char quit = 'q';
      (void)!write(child.command_fd, &quit, 1);
      close(child.command_fd);
    }
    for (Child& child : children) {
      int status = 0;
      waitpid(child.pid, &status, 0);
      std::fclose(child.results);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv);
  Config config;
  config.connect = flags.String("zk", "");
  config.root = flags.String("root", "/scale");
  config.window = static_cast<int>(flags.Int("window", 64));
  config.duration = std::chrono::milliseconds(flags.Int("seconds", 3) * 1000);
  config.zk_max_packet_bytes =
      static_cast<size_t>(flags.Int("zk_max_packet_bytes", 1024 * 1024));
  if (config.connect.empty()) {
    std::fprintf(stderr, "usage: %s --mode=sizes|managers --zk=CONNECT ...\n",
                 argv[0]);
    return 2;
  }
  const std::string mode = flags.String("mode", "sizes");
  if (mode == "sizes") return RunSizes(flags, config);
  if (mode == "managers") return RunManagers(flags, config);
  std::fprintf(stderr, "scale_bench: unknown --mode=%s\n", mode.c_str());
  return 2;
}
