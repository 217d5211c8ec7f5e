// Small helpers shared by the benchmarks: latency percentiles and a 1 KiB,
// 10-attribute session payload.
#ifndef SESSIONKEEPER_BENCH_BENCH_UTIL_H_
#define SESSIONKEEPER_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sessionkeeper::bench {

using Clock = std::chrono::steady_clock;

inline double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// p in [0, 100]; sorts `samples`.
inline double Percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t index = std::min(
      samples.size() - 1,
      static_cast<size_t>(p / 100.0 * static_cast<double>(samples.size())));
  return samples[index];
}

// 10 attributes of about 100 bytes: about 1 KiB encoded.
inline std::map<std::string, std::string> OneKibAttributes() {
  std::map<std::string, std::string> attributes;
  for (int i = 0; i < 10; ++i) {
    attributes["attr" + std::to_string(i)] = std::string(95, 'a' + i);
  }
  return attributes;
}

}  // namespace sessionkeeper::bench

#endif  // SESSIONKEEPER_BENCH_BENCH_UTIL_H_
