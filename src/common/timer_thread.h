// TimerThread: runs tasks after a delay on one thread of its own. Used for
// retry backoff and periodic flushes, so no callback ever sleeps.
//
// Thread-safe. Tasks must be short: they run one after another.
#ifndef SESSIONKEEPER_COMMON_TIMER_THREAD_H_
#define SESSIONKEEPER_COMMON_TIMER_THREAD_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace sessionkeeper {

class TimerThread {
 public:
  using Task = std::function<void()>;

  explicit TimerThread(std::string thread_name);
  // Calls Stop().
  ~TimerThread();

  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  // Queues `task`; false (and `task` dropped unrun) once Stop() has begun,
  // so a late caller, such as a ZooKeeper callback failed by the close that
  // follows Stop(), never touches a timer that is going away.
  bool RunAfter(std::chrono::milliseconds delay, Task task);

  // Runs every task not yet due at once (so each queued task runs exactly
  // once; tasks can tell by their own state that they run early), then
  // joins. Idempotent. The object stays valid for RunAfter to refuse.
  void Stop();

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  void Run();

  const std::string thread_name_;
  std::mutex mu_;  // Guards the members below.
  std::condition_variable cv_;
  // Keyed by (due time, sequence) so equal due times keep posting order.
  std::map<std::pair<TimePoint, uint64_t>, Task> tasks_;
  uint64_t next_sequence_ = 0;
  bool stopping_ = false;
  std::mutex join_mu_;  // Serializes Stop()'s join.

  std::thread thread_;  // Last: starts after the state above exists.
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_COMMON_TIMER_THREAD_H_
