// A libevent loop thread with a cross-thread task queue: producers append
// under a mutex and activate one wake event; the loop drains the queue in
// batches.
#include "server/event_loop.h"

#include <event2/thread.h>
#include <glog/logging.h>
#include <pthread.h>

#include <mutex>

namespace sessionkeeper::server {

void EnableLibeventThreads() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (evthread_use_pthreads() != 0) {
      LOG(FATAL) << "libevent was built without pthreads support";
    }
  });
}

Result<std::unique_ptr<EventLoop>> EventLoop::Create(std::string name) {
  // The epoll changelist folds the read/write interest changes libevent's
  // HTTP code makes around every request into at most one epoll_ctl per
  // connection and loop turn (it is unsafe only for dup()ed descriptors,
  // which the loop never watches).
  event_config* config = event_config_new();
  if (config == nullptr) {
    return Status::Internal("event_config_new failed");
  }
  event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
  event_base* base = event_base_new_with_config(config);
  event_config_free(config);
  if (base == nullptr) return Status::Internal("event_base_new failed");
  std::unique_ptr<EventLoop> loop(new EventLoop(std::move(name), base));
  // An event with no fd, only ever made active by Post.
  loop->wake_ = event_new(base, -1, 0, &EventLoop::OnWake, loop.get());
  if (loop->wake_ == nullptr) return Status::Internal("event_new failed");
  return loop;
}

EventLoop::EventLoop(std::string name, event_base* base)
    : name_(std::move(name)), base_(base) {}

EventLoop::~EventLoop() {
  if (thread_.joinable()) Stop();
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(queue_);
  }
  dropped.clear();  // Outside the lock: tasks' captures may do anything.
  if (wake_ != nullptr) event_free(wake_);
  event_base_free(base_);
}

void EventLoop::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
  });
}

bool EventLoop::Post(std::function<void()> task) {
  bool activate = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return false;
    queue_.push_back(std::move(task));
    activate = !wake_pending_;
    wake_pending_ = true;
  }
  // Thread-safe with evthread_use_pthreads; wakes the loop if it sleeps.
  if (activate) event_active(wake_, EV_READ, 0);
  return true;
}

void EventLoop::OnWake(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
  static_cast<EventLoop*>(arg)->RunQueued();
}

void EventLoop::RunQueued() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
    wake_pending_ = false;
  }
  for (auto& task : batch) task();
}

void EventLoop::Stop() {
  CHECK(!InLoopThread()) << "EventLoop::Stop on its own thread";
  // Posted last, so everything queued before it runs first.
  const bool posted = Post([this] { event_base_loopbreak(base_); });
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  if (!posted) return;  // Stopped already.
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace sessionkeeper::server
