// The windowed asynchronous harness (see windowed_run.h).
#include "bench/windowed_run.h"

namespace sessionkeeper::bench {

namespace {

// Slot states: a completion that finds kStarting leaves the next start to
// the loop in Launch (no recursion on synchronous completions).
constexpr int kStarting = 0;
constexpr int kInFlight = 1;
constexpr int kCompleted = 2;

}  // namespace

WindowedRun::WindowedRun(const Options& options, StartFn start)
    : options_(options), start_(std::move(start)) {}

RunResult WindowedRun::Run(const Options& options, StartFn start) {
  WindowedRun run(options, std::move(start));
  for (int i = 0; i < options.window; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->run = &run;
    slot->index = i;
    slot->latencies_us.reserve(4096);
    run.slots_.push_back(std::move(slot));
  }
  const ZkSample zk_before =
      options.servers != nullptr ? options.servers->Sample() : ZkSample{};
  const ProcessUsage usage_before = ProcessUsage::Now();
  const Clock::time_point begin = Clock::now();
  run.deadline_ = begin + options.duration;
  run.active_ = options.window;
  for (auto& slot : run.slots_) run.Launch(slot.get());
  {
    std::unique_lock<std::mutex> lock(run.mu_);
    run.idle_.wait(lock, [&run] { return run.active_ == 0; });
  }
  const double seconds = Seconds(Clock::now() - begin);
  const ProcessUsage usage_after = ProcessUsage::Now();
  const ZkSample zk_after =
      options.servers != nullptr ? options.servers->Sample() : ZkSample{};

  RunResult result;
  std::vector<float> latencies;
  for (auto& slot : run.slots_) {
    result.ops += slot->ok;
    result.failed += slot->failed;
    latencies.insert(latencies.end(), slot->latencies_us.begin(),
                     slot->latencies_us.end());
  }
  result.seconds = seconds;
  result.ops_per_s = static_cast<double>(result.ops) / seconds;
  result.p50_us = Percentile(latencies, 50);
  result.p99_us = Percentile(latencies, 99);
  SetCosts(usage_before, usage_after, zk_before, zk_after, result);
  return result;
}

void SetCosts(const ProcessUsage& before, const ProcessUsage& after,
              const ZkSample& zk_before, const ZkSample& zk_after,
              RunResult& result) {
  const double ops = static_cast<double>(std::max<uint64_t>(result.ops, 1));
  const double cpu = after.cpu_seconds() - before.cpu_seconds();
  result.client_cpu_us_per_op = cpu * 1e6 / ops;
  result.client_system_share =
      cpu > 0 ? (after.system_seconds - before.system_seconds) / cpu : 0;
  result.context_switches_per_op =
      static_cast<double>(after.context_switches - before.context_switches) /
      ops;
  const ZkDelta zk = ZkServers::Delta(zk_before, zk_after);
  if (zk.ok) {
    result.zk_requests_per_op = static_cast<double>(zk.requests) / ops;
    result.zk_writes_per_op = static_cast<double>(zk.writes) / ops;
    result.zk_cpu_us_per_op = zk.cpu_seconds * 1e6 / ops;
  }
}

RunResult Mean(const std::vector<RunResult>& runs) {
  RunResult m;
  if (runs.empty()) return m;
  const double n = static_cast<double>(runs.size());
  const auto mean = [&](double RunResult::*field) {
    double sum = 0;
    for (const RunResult& r : runs) sum += r.*field;
    return sum / n;
  };
  for (const RunResult& r : runs) {
    m.ops += r.ops;
    m.failed += r.failed;
    m.seconds += r.seconds;
  }
  m.ops_per_s = mean(&RunResult::ops_per_s);
  m.p50_us = mean(&RunResult::p50_us);
  m.p99_us = mean(&RunResult::p99_us);
  m.client_cpu_us_per_op = mean(&RunResult::client_cpu_us_per_op);
  m.client_system_share = mean(&RunResult::client_system_share);
  m.context_switches_per_op = mean(&RunResult::context_switches_per_op);
  m.zk_requests_per_op = mean(&RunResult::zk_requests_per_op);
  m.zk_writes_per_op = mean(&RunResult::zk_writes_per_op);
  m.zk_cpu_us_per_op = mean(&RunResult::zk_cpu_us_per_op);
  return m;
}

bool WindowedRun::ClaimNext() {
  if (Clock::now() >= deadline_) return false;
  if (options_.max_ops == 0) return true;
  return claimed_.fetch_add(1) < options_.max_ops;
}

void WindowedRun::Launch(Slot* slot) {
  while (true) {
    if (!ClaimNext()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) idle_.notify_all();
      return;
    }
    slot->state.store(kStarting);
    slot->started = Clock::now();
    start_(slot);
    int expected = kStarting;
    if (slot->state.compare_exchange_strong(expected, kInFlight)) return;
    // Completed before start_ returned: start the next one here.
  }
}

void WindowedRun::Finish(Slot* slot, bool ok) {
  slot->latencies_us.push_back(
      static_cast<float>(Micros(Clock::now() - slot->started)));
  if (ok) {
    ++slot->ok;
  } else {
    ++slot->failed;
  }
  ++slot->seq;
  int expected = kStarting;
  if (slot->state.compare_exchange_strong(expected, kCompleted)) return;
  slot->run->Launch(slot);
}

std::string Row(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const std::string& cell : cells) line += " " + cell + " |";
  return line;
}

}  // namespace sessionkeeper::bench
