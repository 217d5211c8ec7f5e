// Resident memory per cached session: opens a manager whose cache holds
// every session, reads /proc/self/statm, reads each session once through
// the cache (a fill), reads statm again. Freed heap is returned to the
// kernel (malloc_trim) before both readings, so the difference is what the
// cached sessions keep: the decoded sessions, the cache's index, and the
// ZooKeeper watch each cached session holds (in the library's client and
// in the C client).
//
//   memory_bench --zk=CONNECT --ids_file=FILE [--root=/scale]
//       [--count=100000] [--zk_max_packet_bytes=N] [--window=64]
//       [--metrics=FILE]
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/windowed_run.h"
#include "bench/zk_servers.h"
#include "sessionkeeper/session_manager.h"

namespace sk = sessionkeeper;
namespace bench = sessionkeeper::bench;

namespace {

int64_t SettledResidentBytes() {
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  malloc_trim(0);
  return bench::ResidentBytes();
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv);
  const std::string connect = flags.String("zk", "");
  if (connect.empty() || !flags.Has("ids_file")) {
    std::fprintf(stderr, "usage: %s --zk=CONNECT --ids_file=FILE ...\n",
                 argv[0]);
    return 2;
  }
  bench::MetricsFile metrics(flags.String("metrics", ""));
  const size_t count = static_cast<size_t>(flags.Int("count", 100000));
  std::vector<std::string> ids;
  ids.reserve(count);
  {
    std::ifstream in(flags.String("ids_file", ""));
    std::string id;
    while (ids.size() < count && std::getline(in, id)) {
      if (!id.empty()) ids.push_back(id);
    }
  }
  if (ids.size() < count) {
    std::fprintf(stderr, "memory_bench: %zu ids in the file, %zu wanted\n",
                 ids.size(), count);
    return 1;
  }

  const bench::ZkServers servers(connect, "");
  const int64_t before_open = SettledResidentBytes();
  sk::SessionManagerOptions options;
  options.connect_string = connect;
  options.root = flags.String("root", "/scale");
  options.touch_fraction = 1.0;  // Reads only: no write-backs.
  // Slack: the bound is enforced per shard (1/32 each), and the hash does
  // not split the sessions exactly evenly.
  options.cache_max_entries = count + count / 4 + 2048;
  options.cache_max_bytes = size_t{4} << 30;
  options.zk_max_packet_bytes =
      static_cast<size_t>(flags.Int("zk_max_packet_bytes", 1024 * 1024));
  // Room for the servers' pauses (garbage collection) on a loaded machine.
  options.zk_session_timeout = std::chrono::seconds(30);
  auto manager = sk::SessionManager::Open(options);
  if (!manager.ok()) {
    std::fprintf(stderr, "memory_bench: %s\n",
                 manager.status().ToString().c_str());
    return 1;
  }

  // A new manager owns expiry buckets: its scheduler reads every session
  // in them once and keeps a deadline for each. That is not the cache;
  // it is measured apart, once the reads have ended.
  const double waited = bench::WaitUntilQuiet(servers);
  const int64_t before = SettledResidentBytes();
  bench::WindowedRun::Options run;
  run.window = static_cast<int>(flags.Int("window", 64));
  run.duration = std::chrono::minutes(10);
  run.max_ops = ids.size();
  std::atomic<uint64_t> next{0};
  const bench::RunResult fill =
      bench::WindowedRun::Run(run, [&](bench::WindowedRun::Slot* slot) {
        (*manager)->GetAsync(ids[next.fetch_add(1) % ids.size()],
                             sk::ReadConsistency::kCached,
                             [slot](sk::Result<sk::Session> read) {
                               bench::WindowedRun::Finish(slot, read.ok());
                             });
      });
  const int64_t after_untrimmed = bench::ResidentBytes();
  const int64_t after = SettledResidentBytes();
  const sk::CacheStats stats = (*manager)->cache_stats();
  if (fill.failed > 0 || stats.entries == 0) {
    std::fprintf(stderr, "memory_bench: %llu reads failed, %llu cached\n",
                 static_cast<unsigned long long>(fill.failed),
                 static_cast<unsigned long long>(stats.entries));
    return 1;
  }
  const double entries = static_cast<double>(stats.entries);
  const double per_session = static_cast<double>(after - before) / entries;
  const double per_session_untrimmed =
      static_cast<double>(after_untrimmed - before) / entries;
  const double payload = static_cast<double>(bench::OneKibPayloadBytes());
  const double cache_estimate = static_cast<double>(stats.bytes) / entries;

  std::printf(
      "%s\n%s\n",
      bench::Row({"cached sessions", "RSS before", "RSS after",
                  "resident bytes per cached session",
                  "per session before malloc_trim", "cache's own estimate",
                  "payload (attribute names + values)",
                  "per session / payload"})
          .c_str(),
      bench::Row(
          {"---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"})
          .c_str());
  std::printf(
      "%s\n",
      bench::Row(
          {bench::Grouped(entries),
           bench::FormatFixed(static_cast<double>(before) / 1048576, 1) +
               " MiB",
           bench::FormatFixed(static_cast<double>(after) / 1048576, 1) + " MiB",
           "**" + bench::Grouped(per_session) + " B**",
           bench::Grouped(per_session_untrimmed) + " B",
           bench::Grouped(cache_estimate) + " B",
           bench::Grouped(payload) + " B",
           "**" + bench::FormatRatio(per_session / payload) + "**"})
          .c_str());
  const double scheduled =
      static_cast<double>(before - before_open) / static_cast<double>(count);
  std::printf(
      "\nFilled in %.1f s (%s cold cached gets/s). Apart from the cache: "
      "this manager's expiry scheduler loaded the deadlines of the sessions "
      "in the buckets it owns (%.0f s after Open); the process grew by %s B "
      "per session in the store meanwhile (manager start-up included).\n",
      fill.seconds, bench::Grouped(fill.ops_per_s).c_str(), waited,
      bench::Grouped(scheduled).c_str());
  metrics.Put("memory.scheduler_bytes_per_session", scheduled);
  metrics.Put("memory.entries", entries);
  metrics.Put("memory.per_session_bytes", per_session);
  metrics.Put("memory.payload_bytes", payload);
  metrics.Put("memory.ratio", per_session / payload);
  metrics.Put("memory.cache_estimate_bytes", cache_estimate);
  return 0;
}
