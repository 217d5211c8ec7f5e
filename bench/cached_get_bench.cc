// Cached Get throughput and latency against the raw ZooKeeper C client's
// zoo_aget on the same znodes, in the same run (absolute numbers drift on a
// shared machine; the ratio is the result).
//
//   cached_get_bench ZK_CONNECT [sessions=1000] [seconds=3] [window=64]
#include <zookeeper/zookeeper.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "sessionkeeper/session_manager.h"
#include "store/session_store.h"
#include "support/session_manager_peer.h"

namespace sk = sessionkeeper;
namespace bench = sessionkeeper::bench;

namespace {

struct Result {
  double ops_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// Raw asynchronous gets with `window` requests in flight.
struct RawRun {
  zhandle_t* zh = nullptr;
  const std::vector<std::string>* paths = nullptr;
  bench::Clock::time_point deadline;
  std::atomic<uint64_t> done{0};
  std::atomic<int> in_flight{0};
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  std::vector<double> latencies;
};

struct RawOp {
  RawRun* run;
  bench::Clock::time_point start;
};

void IssueRaw(RawRun* run);

void OnRawGet(int rc, const char*, int, const Stat*, const void* data) {
  auto* op = static_cast<RawOp*>(const_cast<void*>(data));
  RawRun* run = op->run;
  if (rc == ZOK) {
    const uint64_t n = run->done.fetch_add(1);
    if (n % 16 == 0) {
      std::lock_guard<std::mutex> lock(run->mu);
      run->latencies.push_back(bench::Micros(bench::Clock::now() - op->start));
    }
  }
  delete op;
  if (bench::Clock::now() < run->deadline) {
    IssueRaw(run);
  } else {
    run->in_flight.fetch_sub(1);
  }
}

void IssueRaw(RawRun* run) {
  const std::string& path =
      (*run->paths)[run->next.fetch_add(1) % run->paths->size()];
  auto* op = new RawOp{run, bench::Clock::now()};
  if (zoo_aget(run->zh, path.c_str(), 0, &OnRawGet, op) != ZOK) {
    delete op;
    run->in_flight.fetch_sub(1);
  }
}

Result RunRaw(const std::string& connect, const std::vector<std::string>& paths,
              int seconds, int window) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  zhandle_t* zh =
      zookeeper_init(connect.c_str(), nullptr, 10000, nullptr, nullptr, 0);
  zoo_set_servers_resolution_delay(zh, 5000);  // As the library does.
  while (zoo_state(zh) != ZOO_CONNECTED_STATE) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  RawRun run;
  run.zh = zh;
  run.paths = &paths;
  const auto start = bench::Clock::now();
  run.deadline = start + std::chrono::seconds(seconds);
  run.in_flight = window;
  for (int i = 0; i < window; ++i) IssueRaw(&run);
  while (run.in_flight.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double elapsed =
      std::chrono::duration<double>(bench::Clock::now() - start).count();
  zookeeper_close(zh);
  Result r;
  r.ops_per_s = static_cast<double>(run.done.load()) / elapsed;
  r.p50_us = bench::Percentile(run.latencies, 50);
  r.p99_us = bench::Percentile(run.latencies, 99);
  return r;
}

// `shared`: GetShared (the snapshot shared with the cache) instead of Get
// (a copy of the session).
Result RunCached(sk::SessionManager& manager,
                 const std::vector<std::string>& ids, int seconds, int threads,
                 bool shared) {
  const auto get = [&](const std::string& id) {
    return shared ? manager.GetShared(id).ok() : manager.Get(id).ok();
  };
  std::atomic<uint64_t> total{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::vector<double> latencies;
  const auto start = bench::Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<double> local;
      uint64_t n = 0;
      size_t i = static_cast<size_t>(t) * 7919;
      while (true) {
        // Check the deadline every 1024 gets: the clock read is not free.
        for (int k = 0; k < 1024; ++k, ++n, ++i) {
          const std::string& id = ids[i % ids.size()];
          if ((n & 63) == 0) {
            const auto t0 = bench::Clock::now();
            if (!get(id)) failed = true;
            local.push_back(bench::Micros(bench::Clock::now() - t0));
          } else if (!get(id)) {
            failed = true;
          }
        }
        if (bench::Clock::now() >= deadline) break;
      }
      total += n;
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), local.begin(), local.end());
    });
  }
  for (auto& w : workers) w.join();
  if (failed) std::fprintf(stderr, "some cached gets failed\n");
  const double elapsed =
      std::chrono::duration<double>(bench::Clock::now() - start).count();
  Result r;
  r.ops_per_s = static_cast<double>(total.load()) / elapsed;
  r.p50_us = bench::Percentile(latencies, 50);
  r.p99_us = bench::Percentile(latencies, 99);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ZK_CONNECT [sessions] [seconds] [window]\n",
                 argv[0]);
    return 2;
  }
  const std::string connect = argv[1];
  const int sessions = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 3;
  const int window = argc > 4 ? std::atoi(argv[4]) : 64;

  sk::SessionManagerOptions options;
  options.connect_string = connect;
  options.root = "/bench-cached-get";
  options.touch_fraction = 1.0;  // Measure reads, not touches.
  options.default_max_idle = std::chrono::hours(1);
  auto manager = sk::SessionManager::Open(options);
  if (!manager.ok()) {
    std::fprintf(stderr, "%s\n", manager.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> ids;
  std::vector<std::string> paths;
  sk::CreateRequest request;
  request.attributes = bench::OneKibAttributes();
  for (int i = 0; i < sessions; ++i) {
    auto s = (*manager)->Create(request);
    if (!s.ok()) return 1;
    ids.push_back(s->id);
    paths.push_back(
        sk::SessionManagerTestPeer::store(**manager).SessionPath(s->id));
  }
  for (const auto& id : ids) {
    if (!(*manager)->Get(id).ok()) return 1;  // Warm the cache.
  }

  const Result raw = RunRaw(connect, paths, seconds, window);
  const Result one = RunCached(**manager, ids, seconds, 1, true);
  const Result two = RunCached(**manager, ids, seconds, 2, true);
  const Result copy = RunCached(**manager, ids, seconds, 1, false);
  const sk::CacheStats stats = (*manager)->cache_stats();

  std::printf("| read | ops/s | p50 us | p99 us | ratio to raw zoo_aget |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  std::printf("| raw zoo_aget, window %d | %.0f | %.1f | %.1f | 1.0 |\n",
              window, raw.ops_per_s, raw.p50_us, raw.p99_us);
  std::printf("| cached GetShared, 1 thread | %.0f | %.2f | %.2f | %.0f |\n",
              one.ops_per_s, one.p50_us, one.p99_us,
              one.ops_per_s / raw.ops_per_s);
  std::printf("| cached GetShared, 2 threads | %.0f | %.2f | %.2f | %.0f |\n",
              two.ops_per_s, two.p50_us, two.p99_us,
              two.ops_per_s / raw.ops_per_s);
  std::printf("| cached Get (copy), 1 thread | %.0f | %.2f | %.2f | %.0f |\n",
              copy.ops_per_s, copy.p50_us, copy.p99_us,
              copy.ops_per_s / raw.ops_per_s);
  std::printf(
      "\n%d sessions of ~1 KiB (10 attributes); cache hits %llu, "
      "misses %llu\n",
      sessions, static_cast<unsigned long long>(stats.hits),
      static_cast<unsigned long long>(stats.misses));
  return 0;
}
