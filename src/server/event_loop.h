// EventLoop: one libevent event_base driven by a thread of its own, and a
// queue through which any thread hands it work. This is how completions
// from the SessionManager's callback thread get back to the loop that owns
// their HTTP request.
//
// Thread-safe: Post and Stop may be called from any thread. The base is
// used only on the loop thread once Start ran.
#ifndef SESSIONKEEPER_SERVER_EVENT_LOOP_H_
#define SESSIONKEEPER_SERVER_EVENT_LOOP_H_

#include <event2/event.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sessionkeeper/result.h"

namespace sessionkeeper::server {

class EventLoop {
 public:
  // Requires libevent's pthreads support (EnableLibeventThreads) first.
  static Result<std::unique_ptr<EventLoop>> Create(std::string name);
  // Stops the thread if it runs; queued tasks are dropped, not run.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  event_base* base() const { return base_; }

  // Runs the loop on a new thread until Stop. It keeps running with no
  // events registered.
  void Start();

  // Runs `task` on the loop thread, after the tasks posted before it.
  // Returns false, dropping the task, once Stop was called.
  bool Post(std::function<void()> task);

  // Runs the tasks posted so far, then ends the loop and joins its thread.
  // Later Posts are refused. Must not be called on the loop thread.
  void Stop();

  bool InLoopThread() const {
    return std::this_thread::get_id() == thread_.get_id();
  }

 private:
  EventLoop(std::string name, event_base* base);
  static void OnWake(evutil_socket_t fd, short what, void* arg);
  void RunQueued();

  const std::string name_;
  event_base* const base_;
  event* wake_ = nullptr;
  std::thread thread_;

  std::mutex mu_;  // Guards the members below.
  std::vector<std::function<void()>> queue_;
  bool wake_pending_ = false;  // wake_ was activated and has not run yet.
  bool stopped_ = false;
};

// Makes libevent thread-safe (locks, cross-thread wakeups). Idempotent;
// must run before the first event_base is created.
void EnableLibeventThreads();

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_EVENT_LOOP_H_
