// Small helpers shared by the benchmarks: latency percentiles, a 1 KiB,
// 10-attribute session payload, process CPU and resident memory, number
// formatting, and a --name=value flag reader.
#ifndef SESSIONKEEPER_BENCH_BENCH_UTIL_H_
#define SESSIONKEEPER_BENCH_BENCH_UTIL_H_

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace sessionkeeper::bench {

using Clock = std::chrono::steady_clock;

inline double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

inline double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// p in [0, 100]; sorts `samples`.
template <typename T>
double Percentile(std::vector<T>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t index = std::min(
      samples.size() - 1,
      static_cast<size_t>(p / 100.0 * static_cast<double>(samples.size())));
  return static_cast<double>(samples[index]);
}

// 10 attributes of about 100 bytes: about 1 KiB encoded.
inline std::map<std::string, std::string> OneKibAttributes() {
  std::map<std::string, std::string> attributes;
  for (int i = 0; i < 10; ++i) {
    attributes["attr" + std::to_string(i)] = std::string(95, 'a' + i);
  }
  return attributes;
}

// Bytes of attribute names and values in OneKibAttributes(): the payload
// a cached session is compared with.
inline size_t OneKibPayloadBytes() {
  size_t bytes = 0;
  for (const auto& [name, value] : OneKibAttributes()) {
    bytes += name.size() + value.size();
  }
  return bytes;
}

// What this process (all its threads) used so far.
struct ProcessUsage {
  double user_seconds = 0;
  double system_seconds = 0;
  int64_t context_switches = 0;  // Voluntary and involuntary.

  static ProcessUsage Now() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    ProcessUsage now;
    now.user_seconds = static_cast<double>(usage.ru_utime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
    now.system_seconds = static_cast<double>(usage.ru_stime.tv_sec) +
                         static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
    now.context_switches = usage.ru_nvcsw + usage.ru_nivcsw;
    return now;
  }
  double cpu_seconds() const { return user_seconds + system_seconds; }
};

// User plus system CPU time of this process so far.
inline double ProcessCpuSeconds() { return ProcessUsage::Now().cpu_seconds(); }

// Resident set size of this process, from /proc/self/statm.
inline int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// "1,234,567" for whole numbers (ops/s) so tables read at a glance.
inline std::string Grouped(double value) {
  const std::string digits =
      std::to_string(static_cast<long long>(value + 0.5));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// Latency in microseconds, with fewer decimals as it grows.
inline std::string FormatMicros(double us) {
  char buffer[32];
  if (us < 10) {
    std::snprintf(buffer, sizeof(buffer), "%.2f", us);
  } else if (us < 100) {
    std::snprintf(buffer, sizeof(buffer), "%.1f", us);
  } else {
    return Grouped(us);
  }
  return buffer;
}

// A ratio with two significant decimals below 10, whole above.
inline std::string FormatRatio(double ratio) {
  char buffer[32];
  if (ratio < 10) {
    std::snprintf(buffer, sizeof(buffer), "%.2f", ratio);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.0f", ratio);
  }
  return buffer;
}

inline std::string FormatFixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

// --name=value flags; anything else is an error. Benchmarks are run by
// scripts/bench.sh, so a small reader is enough.
class Flags {
 public:
  Flags(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      const size_t eq = arg.find('=');
      if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
        std::fprintf(stderr, "%s: expected --name=value, got '%s'\n", argv[0],
                     argv[i]);
        std::exit(2);
      }
      values_[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
    }
  }

  std::string String(const std::string& name, const std::string& fallback) {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  int64_t Int(const std::string& name, int64_t fallback) {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::atoll(it->second.c_str());
  }
  double Double(const std::string& name, double fallback) {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::atof(it->second.c_str());
  }
  bool Has(const std::string& name) const { return values_.count(name) > 0; }

 private:
  std::map<std::string, std::string> values_;
};

// Appends "name value" lines that scripts/bench.sh reads for the target
// checks, the headline and the plots.
class MetricsFile {
 public:
  explicit MetricsFile(const std::string& path) {
    if (!path.empty()) out_.open(path, std::ios::app);
  }
  void Put(const std::string& name, double value) {
    if (out_.is_open()) out_ << name << " " << value << "\n" << std::flush;
  }

 private:
  std::ofstream out_;
};

}  // namespace sessionkeeper::bench

#endif  // SESSIONKEEPER_BENCH_BENCH_UTIL_H_
