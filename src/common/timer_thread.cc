// TimerThread: an ordered map of due tasks and one thread waiting on it.
#include "common/timer_thread.h"

#include <pthread.h>

#include <utility>

namespace sessionkeeper {

TimerThread::TimerThread(std::string thread_name)
    : thread_name_(std::move(thread_name)), thread_([this] { Run(); }) {}

TimerThread::~TimerThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TimerThread::RunAfter(std::chrono::milliseconds delay, Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.emplace(std::make_pair(std::chrono::steady_clock::now() + delay,
                                  next_sequence_++),
                   std::move(task));
  }
  cv_.notify_all();
}

void TimerThread::Run() {
  pthread_setname_np(pthread_self(), thread_name_.substr(0, 15).c_str());
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    if (first->first.first > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, first->first.first);
      continue;
    }
    Task task = std::move(first->second);
    tasks_.erase(first);
    lock.unlock();
    task();
    lock.lock();
  }
  while (!tasks_.empty()) {
    Task task = std::move(tasks_.begin()->second);
    tasks_.erase(tasks_.begin());
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace sessionkeeper
