// Worker threads of a scenario's load.
#include "support/workload.h"

#include <random>

namespace sessionkeeper::integration {

Workload::Workload(std::vector<RecordedManager*> managers,
                   WorkloadOptions options)
    : options_(std::move(options)) {
  std::random_device seeds;
  int worker = 0;
  for (RecordedManager* manager : managers) {
    for (int k = 0; k < options_.workers_per_manager; ++k) {
      workers_.emplace_back(&Workload::Run, this, manager, worker++, seeds());
    }
  }
}

Workload::~Workload() { Stop(); }

void Workload::Stop() {
  stop_ = true;
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
}

void Workload::Run(RecordedManager* manager, int worker, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, options_.sessions.size() - 1);
  std::bernoulli_distribution read(options_.read_fraction);
  const auto deadline =
      std::chrono::steady_clock::now() + options_.max_duration;
  const std::string prefix = "w" + std::to_string(worker) + "-";
  for (int n = 0; n < options_.max_calls_per_worker && !stop_.load() &&
                  std::chrono::steady_clock::now() < deadline;
       ++n) {
    const std::string& id = options_.sessions[pick(rng)];
    const std::string unique = prefix + std::to_string(n);
    if (options_.values == WorkloadOptions::Values::kRegister) {
      if (read(rng)) {
        (void)manager->Read(id, "v", ReadConsistency::kLinearizable);
      } else {
        (void)manager->Write(id, "v", unique);
      }
    } else {
      (void)manager->Write(id, unique, std::to_string(rng()));
    }
    std::this_thread::sleep_for(options_.pause_between_calls);
  }
}

}  // namespace sessionkeeper::integration
