// Clock: where SessionKeeper reads the time that decides expiry. Injected
// through the options so tests control time instead of sleeping.
#ifndef SESSIONKEEPER_CLOCK_H_
#define SESSIONKEEPER_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace sessionkeeper {

// Thread-safe implementations only: managers read the clock from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
};

// The system's wall clock (CLOCK_REALTIME). Expiry compares timestamps
// written by different nodes, so node clocks must be kept in sync (NTP).
class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override;
  // A process-wide instance.
  static SystemClock* Default();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }
  void Set(int64_t ms) { now_.store(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_CLOCK_H_
