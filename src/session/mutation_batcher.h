// MutationBatcher: keeps at most one write per session in flight from this
// manager and merges the calls that arrive meanwhile into the next write.
// Concurrent calls on a hot session then cost one ZooKeeper write per round
// trip instead of racing each other for versions (which is quadratic).
//
// Thread-safe.
#ifndef SESSIONKEEPER_SESSION_MUTATION_BATCHER_H_
#define SESSIONKEEPER_SESSION_MUTATION_BATCHER_H_

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "sessionkeeper/session.h"
#include "sessionkeeper/session_manager.h"

namespace sessionkeeper::session {

class MutationBatcher {
 public:
  struct Item {
    Mutation mutation;
    SessionManager::Callback<Session> done;
  };
  // Writes `batch` to session `id` as one write, runs every item's callback,
  // then calls `finished` (which starts the next batch of that session).
  // `id` stays valid until `finished` runs.
  using RunBatch =
      std::function<void(const std::string& id, std::vector<Item> batch,
                         std::function<void()> finished)>;

  MutationBatcher(RunBatch run, size_t max_batch)
      : run_(std::move(run)), max_batch_(max_batch) {}

  void Add(const std::string& id, Item item);

 private:
  // A session's entry exists while one of its batches is in flight and
  // holds the calls that arrived since (a vector: most writes never wait,
  // and an empty vector allocates nothing).
  using Waiting = std::vector<Item>;
  using Queues = std::unordered_map<std::string, Waiting>;

  using Entry = Queues::value_type;

  void Run(Entry* entry, std::vector<Item> batch);
  void StartNext(Entry* entry);

  const RunBatch run_;
  const size_t max_batch_;
  std::mutex mu_;  // Guards queues_.
  // Its elements stay put until erased (rehashing moves none), so a batch
  // in flight keeps a pointer to its entry.
  Queues queues_;
};

}  // namespace sessionkeeper::session

#endif  // SESSIONKEEPER_SESSION_MUTATION_BATCHER_H_
