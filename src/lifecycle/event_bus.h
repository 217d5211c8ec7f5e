// EventBus: delivers session events to listeners on a thread of its own, so
// listener code never runs on a ZooKeeper thread or under an internal lock.
//
// Thread-safe.
#ifndef SESSIONKEEPER_LIFECYCLE_EVENT_BUS_H_
#define SESSIONKEEPER_LIFECYCLE_EVENT_BUS_H_

#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "common/serial_executor.h"
#include "sessionkeeper/events.h"

namespace sessionkeeper::lifecycle {

class EventBus {
 public:
  EventBus() : executor_("sk-events") {}

  uint64_t AddListener(SessionListener listener);
  void RemoveListener(uint64_t id);
  // Queues `event` for every listener registered now.
  void Publish(SessionEvent event);
  // Blocks until every event published before the call was delivered.
  void Drain() { executor_.Drain(); }

 private:
  std::mutex mu_;  // Guards the members below.
  std::vector<std::pair<uint64_t, SessionListener>> listeners_;
  uint64_t next_id_ = 1;
  SerialExecutor executor_;  // Last: drains before the listeners go.
};

}  // namespace sessionkeeper::lifecycle

#endif  // SESSIONKEEPER_LIFECYCLE_EVENT_BUS_H_
