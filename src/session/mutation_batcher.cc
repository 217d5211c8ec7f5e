// Per-session write queues that merge concurrent calls.
#include "session/mutation_batcher.h"

#include <iterator>
#include <utility>

namespace sessionkeeper::session {

void MutationBatcher::Add(const std::string& id, Item item) {
  Entry* entry = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, idle] = queues_.try_emplace(id);
    if (!idle) {
      it->second.push_back(std::move(item));  // Joins the next batch.
      return;
    }
    entry = &*it;
  }
  std::vector<Item> batch;
  batch.push_back(std::move(item));
  Run(entry, std::move(batch));
}

void MutationBatcher::Run(Entry* entry, std::vector<Item> batch) {
  // The key of the entry is the id: no copy, and the callback captures
  // two pointers (stored in the std::function itself, no allocation).
  run_(entry->first, std::move(batch), [this, entry] { StartNext(entry); });
}

void MutationBatcher::StartNext(Entry* entry) {
  std::vector<Item> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Waiting& waiting = entry->second;
    if (waiting.empty()) {
      queues_.erase(queues_.find(entry->first));
      return;
    }
    if (waiting.size() <= max_batch_) {
      batch.swap(waiting);
    } else {
      const auto split = waiting.begin() + static_cast<ptrdiff_t>(max_batch_);
      batch.assign(std::make_move_iterator(waiting.begin()),
                   std::make_move_iterator(split));
      waiting.erase(waiting.begin(), split);
    }
  }
  Run(entry, std::move(batch));
}

}  // namespace sessionkeeper::session
