// EventBus: a listener list and a serial executor.
#include "lifecycle/event_bus.h"

#include <algorithm>

namespace sessionkeeper::lifecycle {

uint64_t EventBus::AddListener(SessionListener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.emplace_back(next_id_, std::move(listener));
  return next_id_++;
}

void EventBus::RemoveListener(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(listeners_, [id](const auto& l) { return l.first == id; });
}

void EventBus::Publish(SessionEvent event) {
  std::vector<SessionListener> snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (listeners_.empty()) return;
    for (const auto& [id, listener] : listeners_) snapshot.push_back(listener);
  }
  executor_.Post([snapshot = std::move(snapshot), event = std::move(event)] {
    for (const auto& listener : snapshot) listener(event);
  });
}

}  // namespace sessionkeeper::lifecycle
