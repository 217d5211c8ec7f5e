// WatchLog: the events delivered to the watches it hands out. Thread-safe.
// Its callbacks own the log, because a watch still armed when its client
// closes fires then (kSessionLost), possibly after the test has returned.
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_WATCH_LOG_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_WATCH_LOG_H_

#include <memory>
#include <mutex>
#include <vector>

#include "zk/types.h"

namespace sessionkeeper::integration {

class WatchLog {
 public:
  zk::WatchCallback Callback() {
    return [state = state_](const zk::WatchEvent& e) {
      std::lock_guard<std::mutex> lock(state->mu);
      state->events.push_back(e);
    };
  }
  std::vector<zk::WatchEvent> events() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->events;
  }
  bool fired() const { return !events().empty(); }

 private:
  struct State {
    std::mutex mu;
    std::vector<zk::WatchEvent> events;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_WATCH_LOG_H_
