// SerialExecutor: a FIFO task queue drained by one named thread.
#include "common/serial_executor.h"

#include <glog/logging.h>
#include <pthread.h>

#include <future>
#include <utility>

namespace sessionkeeper {

SerialExecutor::SerialExecutor(std::string thread_name)
    : thread_name_(std::move(thread_name)), thread_([this] { Run(); }) {}

SerialExecutor::~SerialExecutor() {
  CHECK(!IsCurrentThread()) << "SerialExecutor destroyed from its own thread";
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SerialExecutor::Post(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

bool SerialExecutor::IsCurrentThread() const {
  return std::this_thread::get_id() == thread_.get_id();
}

void SerialExecutor::Drain() {
  CHECK(!IsCurrentThread()) << "SerialExecutor::Drain from its own thread";
  std::promise<void> done;
  std::future<void> drained = done.get_future();
  Post([&done] { done.set_value(); });
  drained.wait();
}

size_t SerialExecutor::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_.size();
}

void SerialExecutor::Run() {
  // Linux limits thread names to 15 characters.
  pthread_setname_np(pthread_self(), thread_name_.substr(0, 15).c_str());
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // Stopping, and everything has run.
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace sessionkeeper
