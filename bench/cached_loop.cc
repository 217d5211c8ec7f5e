// Cached reads in a tight loop (see cached_loop.h).
#include "bench/cached_loop.h"

#include <atomic>
#include <mutex>
#include <thread>

namespace sessionkeeper::bench {

RunResult RunCachedLoop(SessionManager& manager,
                        const std::vector<std::string>& ids,
                        std::chrono::milliseconds duration, int threads,
                        CachedRead how, const ZkServers* servers) {
  const auto read = [&](const std::string& id) {
    return how == CachedRead::kShared ? manager.GetShared(id).ok()
                                      : manager.Get(id).ok();
  };
  constexpr size_t kStride = 104729;  // Prime: visits every id.
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> failed{0};
  std::mutex mu;
  std::vector<float> latencies;
  const ZkSample zk_before =
      servers != nullptr ? servers->Sample() : ZkSample{};
  const ProcessUsage usage_before = ProcessUsage::Now();
  const Clock::time_point begin = Clock::now();
  const Clock::time_point deadline = begin + duration;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<float> local;
      uint64_t n = 0;
      uint64_t bad = 0;
      size_t i =
          (static_cast<size_t>(t) * ids.size()) / static_cast<size_t>(threads);
      while (true) {
        // The clock is read once per 1024 reads (plus the timed ones).
        for (int k = 0; k < 1024; ++k, ++n) {
          i += kStride;
          if (i >= ids.size()) i %= ids.size();
          const std::string& id = ids[i];
          if ((n & 63) == 0) {
            const Clock::time_point t0 = Clock::now();
            if (!read(id)) ++bad;
            local.push_back(static_cast<float>(Micros(Clock::now() - t0)));
          } else if (!read(id)) {
            ++bad;
          }
        }
        if (Clock::now() >= deadline) break;
      }
      total += n;
      failed += bad;
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), local.begin(), local.end());
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds = Seconds(Clock::now() - begin);
  const ProcessUsage usage_after = ProcessUsage::Now();
  const ZkSample zk_after = servers != nullptr ? servers->Sample() : ZkSample{};

  RunResult result;
  result.failed = failed.load();
  result.ops = total.load() - result.failed;
  result.seconds = seconds;
  result.ops_per_s = static_cast<double>(result.ops) / seconds;
  result.p50_us = Percentile(latencies, 50);
  result.p99_us = Percentile(latencies, 99);
  SetCosts(usage_before, usage_after, zk_before, zk_after, result);
  return result;
}

}  // namespace sessionkeeper::bench
