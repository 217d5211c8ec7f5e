// The wall clock behind SystemClock.
#include <chrono>

#include "sessionkeeper/clock.h"

namespace sessionkeeper {

int64_t SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock* SystemClock::Default() {
  static SystemClock* const kClock = new SystemClock();
  return kClock;
}

}  // namespace sessionkeeper
