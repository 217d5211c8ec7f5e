// SerialExecutor: one thread that runs posted tasks in the order they were
// posted. The ZooKeeper layer uses it to get user callbacks off the C
// client's completion thread while keeping ZooKeeper's ordering guarantees.
//
// Thread-safe: Post may be called from any thread, including from a task.
#ifndef SESSIONKEEPER_COMMON_SERIAL_EXECUTOR_H_
#define SESSIONKEEPER_COMMON_SERIAL_EXECUTOR_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace sessionkeeper {

class SerialExecutor {
 public:
  using Task = std::function<void()>;

  explicit SerialExecutor(std::string thread_name);
  // Runs every task still queued, then joins the thread. Must not be called
  // from the executor's own thread.
  ~SerialExecutor();

  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Never blocks on the task; tasks posted after shutdown began still run.
  void Post(Task task);

  // True when called from a task of this executor.
  bool IsCurrentThread() const;

  // Blocks until every task posted before the call has run. Must not be
  // called from the executor's own thread.
  void Drain();

  size_t queued() const;

 private:
  void Run();

  const std::string thread_name_;

  mutable std::mutex mu_;  // Guards the members below.
  std::condition_variable cv_;
  std::deque<Task> tasks_;
  bool stopping_ = false;

  std::thread thread_;  // Started last, after the state above exists.
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_COMMON_SERIAL_EXECUTOR_H_
