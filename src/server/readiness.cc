// Periodic ZooKeeper reachability probe.
#include "server/readiness.h"

#include <glog/logging.h>

#include <chrono>
#include <string>

namespace sessionkeeper::server {

namespace {

// Well-formed (22 base64url characters, canonical last one) and never
// issued in practice: ids are 128 random bits.
constexpr char kProbeId[] = "AAAAAAAAAAAAAAAAAAAAAA";
constexpr timeval kInterval = {1, 0};
constexpr int64_t kProbeTimeoutMs = 2000;

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<ReadinessProbe>> ReadinessProbe::Start(
    SessionManager* manager) {
  Result<std::unique_ptr<EventLoop>> loop = EventLoop::Create("sk-readiness");
  if (!loop.ok()) return loop.status();
  std::unique_ptr<ReadinessProbe> probe(
      new ReadinessProbe(manager, std::move(*loop)));
  probe->timer_ = event_new(probe->loop_->base(), -1, EV_PERSIST,
                            &ReadinessProbe::OnTick, probe.get());
  if (probe->timer_ == nullptr) return Status::Internal("event_new failed");
  event_add(probe->timer_, &kInterval);
  probe->loop_->Start();
  probe->loop_->Post([p = probe.get()] { p->Tick(); });
  return probe;
}

ReadinessProbe::ReadinessProbe(SessionManager* manager,
                               std::unique_ptr<EventLoop> loop)
    : manager_(manager), loop_(std::move(loop)) {}

ReadinessProbe::~ReadinessProbe() { Stop(); }

void ReadinessProbe::Stop() {
  if (loop_ == nullptr) return;
  loop_->Post([this] {
    if (timer_ != nullptr) event_free(timer_);
    timer_ = nullptr;
  });
  loop_->Stop();
  loop_.reset();
}

void ReadinessProbe::OnTick(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
  static_cast<ReadinessProbe*>(arg)->Tick();
}

void ReadinessProbe::Tick() {
  if (timer_ == nullptr) return;  // Stopping.
  const int64_t now = MonotonicMs();
  const int64_t started = state_->started_ms.load();
  if (started != 0) {
    // Still waiting: one probe at a time, however slow ZooKeeper is.
    if (now - started > kProbeTimeoutMs && state_->ready.exchange(false)) {
      LOG(WARNING) << "ZooKeeper did not answer the readiness probe within "
                   << kProbeTimeoutMs << " ms; not ready";
    }
    return;
  }
  state_->started_ms.store(now);
  manager_->GetAsync(kProbeId, ReadConsistency::kSequential,
                     [state = state_](const Result<Session>& r) {
                       const bool reached = r.ok() || r.status().IsNotFound();
                       (reached ? state->ok : state->failed).fetch_add(1);
                       const bool was = state->ready.exchange(reached);
                       if (was != reached) {
                         if (reached) {
                           LOG(INFO) << "ZooKeeper reachable again; ready";
                         } else {
                           LOG(WARNING)
                               << "readiness probe failed: " << r.status();
                         }
                       }
                       state->started_ms.store(0);
                     });
}

}  // namespace sessionkeeper::server
