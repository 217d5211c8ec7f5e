// How long after a write is acknowledged on manager A does a cached read on
// manager B see it (the watch event's trip)? And does a linearizable read
// on B always see it at once?
//
//   invalidation_delay_bench ZK_CONNECT [iterations=1000]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "sessionkeeper/session_manager.h"

namespace sk = sessionkeeper;
namespace bench = sessionkeeper::bench;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ZK_CONNECT [iterations]\n", argv[0]);
    return 2;
  }
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 1000;
  sk::SessionManagerOptions options;
  options.connect_string = argv[1];
  options.root = "/bench-invalidation";
  options.touch_fraction = 1.0;
  auto writer = sk::SessionManager::Open(options);
  auto reader = sk::SessionManager::Open(options);
  if (!writer.ok() || !reader.ok()) return 1;
  auto created = (*writer)->Create({});
  if (!created.ok()) return 1;
  const std::string id = created->id;

  std::vector<double> delays;
  int linearizable_misses = 0;
  for (int i = 0; i < iterations; ++i) {
    (void)(*reader)->Get(id);  // Cached (a fill when needed).
    sk::Mutation m;
    m.set = {{"i", std::to_string(i)}};
    auto written = (*writer)->Mutate(id, m);
    if (!written.ok()) return 1;
    const auto acked = bench::Clock::now();
    auto lin = (*reader)->Get(id, sk::ReadConsistency::kLinearizable);
    if (!lin.ok() || lin->version < written->version) ++linearizable_misses;
    // Spin on cached reads until the new version shows.
    while (true) {
      auto s = (*reader)->Get(id);
      if (s.ok() && s->version >= written->version) break;
      std::this_thread::yield();
    }
    delays.push_back(bench::Micros(bench::Clock::now() - acked));
  }
  std::printf(
      "| iterations | linearizable reads that missed the write | "
      "cached visibility delay p50 us | p99 us | max us |\n");
  std::printf("|---:|---:|---:|---:|---:|\n");
  std::vector<double> sorted = delays;
  const double p50 = bench::Percentile(sorted, 50);
  const double p99 = bench::Percentile(sorted, 99);
  std::printf("| %d | %d | %.0f | %.0f | %.0f |\n", iterations,
              linearizable_misses, p50, p99, sorted.back());
  std::printf(
      "\n(The delay includes the linearizable read issued first, so "
      "it is an upper bound of the watch event's trip.)\n");
  return linearizable_misses == 0 ? 0 : 1;
}
