// TimerThread: an ordered map of due tasks and one thread waiting on it.
#include "common/timer_thread.h"

#include <pthread.h>

#include <utility>

namespace sessionkeeper {

TimerThread::TimerThread(std::string thread_name)
    : thread_name_(std::move(thread_name)), thread_([this] { Run(); }) {}

TimerThread::~TimerThread() { Stop(); }

void TimerThread::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool TimerThread::RunAfter(std::chrono::milliseconds delay, Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    tasks_.emplace(std::make_pair(std::chrono::steady_clock::now() + delay,
                                  next_sequence_++),
                   std::move(task));
  }
  cv_.notify_all();
  return true;
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
