// Per-session write queues that merge concurrent calls.
#include "session/mutation_batcher.h"

#include <utility>

namespace sessionkeeper::session {

void MutationBatcher::Add(const std::string& id, Item item) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Queue& queue = queues_[id];
    queue.waiting.push_back(std::move(item));
    if (queue.in_flight) return;  // Joins the next batch.
    queue.in_flight = true;
  }
  StartNext(id);
}

void MutationBatcher::StartNext(const std::string& id) {
  std::vector<Item> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = queues_.find(id);
    if (it->second.waiting.empty()) {
      queues_.erase(it);
      return;
    }
    while (!it->second.waiting.empty() && batch.size() < max_batch_) {
      batch.push_back(std::move(it->second.waiting.front()));
      it->second.waiting.pop_front();
    }
  }
  run_(id, std::move(batch), [this, id] { StartNext(id); });
}

}  // namespace sessionkeeper::session
