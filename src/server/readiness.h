// ReadinessProbe: whether ZooKeeper currently answers this daemon. The
// public SessionManager API exposes no connection state, so the probe reads
// a session id that cannot exist (sequential consistency: one cheap read at
// the connected server) every second: NotFound means ZooKeeper answered.
// A probe unanswered after two seconds marks the daemon not ready.
//
// Thread-safe. Runs on a small event loop of its own. Callbacks that arrive
// after Stop (or after the probe is gone) touch only shared state.
#ifndef SESSIONKEEPER_SERVER_READINESS_H_
#define SESSIONKEEPER_SERVER_READINESS_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "server/event_loop.h"
#include "sessionkeeper/session_manager.h"

namespace sessionkeeper::server {

class ReadinessProbe {
 public:
  // `manager` must outlive Stop().
  static Result<std::unique_ptr<ReadinessProbe>> Start(SessionManager* manager);
  ~ReadinessProbe();  // Stops.
  ReadinessProbe(const ReadinessProbe&) = delete;
  ReadinessProbe& operator=(const ReadinessProbe&) = delete;

  // Stops probing; no manager call starts after it returns.
  void Stop();

  // Open() proved ZooKeeper reachable, so a fresh probe starts ready.
  bool ready() const { return state_->ready.load(); }
  uint64_t probes_ok() const { return state_->ok.load(); }
  uint64_t probes_failed() const { return state_->failed.load(); }

 private:
  struct State {
    std::atomic<bool> ready{true};
    // Monotonic ms when the probe in flight started; 0 when none is.
    std::atomic<int64_t> started_ms{0};
    std::atomic<uint64_t> ok{0};
    std::atomic<uint64_t> failed{0};
  };

  ReadinessProbe(SessionManager* manager, std::unique_ptr<EventLoop> loop);
  static void OnTick(evutil_socket_t fd, short what, void* arg);
  void Tick();

  SessionManager* const manager_;
  const std::shared_ptr<State> state_ = std::make_shared<State>();
  std::unique_ptr<EventLoop> loop_;
  event* timer_ = nullptr;  // Loop thread only.
};

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_READINESS_H_
