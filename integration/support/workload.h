// Workload: worker threads that keep writing (and optionally reading)
// sessions through RecordedManagers while a scenario injects faults. Every
// call lands in the managers' History.
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_WORKLOAD_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_WORKLOAD_H_

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/recorded_manager.h"

namespace sessionkeeper::integration {

struct WorkloadOptions {
  std::vector<std::string> sessions;  // Each call picks one at random.
  int workers_per_manager = 1;
  enum class Values {
    // Each write sets an attribute of its own ("w<worker>-<n>") to a
    // random value: every acknowledged write must stay visible.
    kAttributePerWrite,
    // Every write sets attribute "v" to a value unique in the run: the
    // session is a register, for the linearizability checker.
    kRegister,
  };
  Values values = Values::kAttributePerWrite;
  // Share of calls that are linearizable reads (of "v" in register mode).
  double read_fraction = 0;
  // Paces the load so faults, not CPU, decide what happens.
  std::chrono::milliseconds pause_between_calls{10};
  // Hard bounds on each worker.
  int max_calls_per_worker = 1000;
  std::chrono::milliseconds max_duration{60000};
};

// Starts its workers on construction; Stop (or the destructor) ends them
// and waits. The managers must outlive it.
class Workload {
 public:
  Workload(std::vector<RecordedManager*> managers, WorkloadOptions options);
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  // Returns once every worker finished its call in progress (each call
  // is bounded by the manager's operation timeout).
  void Stop();

 private:
  void Run(RecordedManager* manager, int worker, uint64_t seed);

  const WorkloadOptions options_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
};

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_WORKLOAD_H_
