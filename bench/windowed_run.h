// WindowedRun: keeps a fixed number of asynchronous operations in flight
// for a fixed time (or count) and measures them. The library and the raw
// ZooKeeper C client are driven by the same harness, so both pay the same
// bookkeeping and the ratio compares only what they do.
//
// Each of the `window` slots runs its operations one after the other: a
// slot starts its next operation from the completion of the previous one.
// Completions may come on any thread, or on the starting thread before the
// start function returns (a cached read, a submit error): the harness then
// loops instead of recursing.
//
// Thread-safe as described; one Run at a time per instance.
#ifndef SESSIONKEEPER_BENCH_WINDOWED_RUN_H_
#define SESSIONKEEPER_BENCH_WINDOWED_RUN_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/zk_servers.h"

namespace sessionkeeper::bench {

// What one measurement found.
struct RunResult {
  uint64_t ops = 0;     // Completed successfully.
  uint64_t failed = 0;  // Completed with an error.
  double seconds = 0;
  double ops_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  double client_cpu_us_per_op = 0;  // This process, user plus system.
  double client_system_share = 0;   // Of that CPU, the kernel's share.
  double context_switches_per_op = 0;
  // From the servers; negative when not measured.
  double zk_requests_per_op = -1;
  double zk_writes_per_op = -1;
  double zk_cpu_us_per_op = -1;
};

// Fills in the per-operation costs of `result` (whose ops are counted)
// from what this process and the servers used meanwhile.
void SetCosts(const ProcessUsage& before, const ProcessUsage& after,
              const ZkSample& zk_before, const ZkSample& zk_after,
              RunResult& result);

// The mean of runs of the same measurement (ABBA ordering): operations
// per second and costs averaged over the runs, counts summed.
RunResult Mean(const std::vector<RunResult>& runs);

class WindowedRun {
 public:
  struct Slot {
    WindowedRun* run = nullptr;
    int index = 0;     // 0 .. window-1.
    uint64_t seq = 0;  // Operations this slot completed so far.
    Clock::time_point started;
    std::atomic<int> state{0};
    std::vector<float> latencies_us;
    uint64_t ok = 0;
    uint64_t failed = 0;
  };
  // Starts one operation for `slot`; it must end in exactly one
  // WindowedRun::Finish(slot, ok) call.
  using StartFn = std::function<void(Slot* slot)>;

  struct Options {
    int window = 64;
    std::chrono::milliseconds duration{3000};
    uint64_t max_ops = 0;                // 0: no limit.
    const ZkServers* servers = nullptr;  // Optional: ZooKeeper's cost.
  };

  static RunResult Run(const Options& options, StartFn start);

  static void Finish(Slot* slot, bool ok);

 private:
  WindowedRun(const Options& options, StartFn start);
  void Launch(Slot* slot);
  bool ClaimNext();

  const Options options_;
  const StartFn start_;
  Clock::time_point deadline_;
  std::atomic<uint64_t> claimed_{0};
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex mu_;
  std::condition_variable idle_;
  int active_ = 0;  // Guarded by mu_.
};

// One line of a markdown table, "| a | b |".
std::string Row(const std::vector<std::string>& cells);

}  // namespace sessionkeeper::bench

#endif  // SESSIONKEEPER_BENCH_WINDOWED_RUN_H_
