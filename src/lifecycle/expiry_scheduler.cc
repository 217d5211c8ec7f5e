// ExpiryScheduler: bucket ownership, deadline schedule, versioned deletes.
#include "lifecycle/expiry_scheduler.h"

#include <glog/logging.h>

#include <algorithm>
#include <utility>

#include "lifecycle/bucket_ownership.h"
#include "session/record_view.h"
#include "session/session_id.h"

namespace sessionkeeper::lifecycle {

namespace {
// Child events of a busy bucket are coalesced into one re-list, this long
// after the first (and never later than one expiry tick), times up to
// 2^kMaxQuietDoublings while re-lists keep finding nothing new.
constexpr std::chrono::milliseconds kBaseRelistDelay{500};
constexpr int kMaxQuietDoublings = 3;
constexpr std::chrono::milliseconds kRetryDelay{500};
}  // namespace

ExpiryScheduler::ExpiryScheduler(Deps deps) : deps_(std::move(deps)) {}

void ExpiryScheduler::Start() {
  deps_.timer->RunAfter(deps_.granularity, [this] { Tick(); });
}

void ExpiryScheduler::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
}

size_t ExpiryScheduler::owned_bucket_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return owned_.size();
}

size_t ExpiryScheduler::scheduled_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return schedule_.size();
}

uint64_t ExpiryScheduler::expired_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expired_;
}

std::chrono::milliseconds ExpiryScheduler::RelistDelayFor(
    std::chrono::milliseconds granularity, int quiet_relists) {
  // Re-lists find sessions other members created (this member's own are
  // scheduled by OnCreated), and each costs a getChildren of the whole
  // bucket: while they find nothing, they back off. A foreign session is
  // then found up to eight ticks late; reads never serve it past its
  // deadline meanwhile (they judge expiry themselves), only its deletion
  // and kExpired event wait.
  const int doublings = std::clamp(quiet_relists, 0, kMaxQuietDoublings);
  return std::min(granularity, kBaseRelistDelay) * (1 << doublings);
}

std::chrono::milliseconds ExpiryScheduler::RelistDelayLocked(
    uint32_t bucket) const {
  const auto quiet = quiet_relists_.find(bucket);
  return RelistDelayFor(deps_.granularity,
                        quiet == quiet_relists_.end() ? 0 : quiet->second);
}

bool ExpiryScheduler::Owns(uint32_t bucket) const {
  std::lock_guard<std::mutex> lock(mu_);
  return !stopped_ && owned_.count(bucket) > 0;
}

void ExpiryScheduler::OnMembersChanged(
    const std::vector<std::string>& members) {
  const std::vector<uint32_t> owned =
      OwnedBuckets(deps_.self, members, deps_.store->bucket_count());
  std::vector<uint32_t> gained;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    std::set<uint32_t> next(owned.begin(), owned.end());
    for (uint32_t b : next) {
      if (owned_.count(b) == 0) gained.push_back(b);
    }
    for (uint32_t b : owned_) {
      if (next.count(b) == 0) known_.erase(b);  // Schedule entries go lazily.
    }
    owned_ = std::move(next);
  }
  VLOG(1) << deps_.self << " owns " << owned.size() << " buckets";
  for (uint32_t b : gained) ListBucket(b);
}

void ExpiryScheduler::OnNewSession() {
  std::vector<uint32_t> owned;
  {
    std::lock_guard<std::mutex> lock(mu_);
    owned.assign(owned_.begin(), owned_.end());
  }
  for (uint32_t b : owned) ListBucket(b);
}

void ExpiryScheduler::OnCreated(const std::string& id, int64_t deadline_ms) {
  const uint32_t bucket =
      session::SessionBucket(id, deps_.store->bucket_count());
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || owned_.count(bucket) == 0) return;
  if (!known_[bucket].insert(id).second) return;  // Already listed.
  schedule_.emplace(deadline_ms, std::make_pair(id, bucket));
}

void ExpiryScheduler::ListBucket(uint32_t bucket, bool after_event) {
  if (!Owns(bucket)) return;
  deps_.client->GetChildren(
      deps_.store->BucketPath(bucket),
      [this, bucket, after_event](Result<zk::Children> children) {
        if (!children.ok()) {
          if (children.status().IsUnavailable()) {
            deps_.timer->RunAfter(kRetryDelay, [this, bucket, after_event] {
              ListBucket(bucket, after_event);
            });
          }
          return;
        }
        std::vector<std::string> fresh;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopped_ || owned_.count(bucket) == 0) return;
          auto& known = known_[bucket];
          // Sorted in place rather than copied into a set: a busy bucket is
          // re-listed twice a second, and every name copied is an
          // allocation.
          std::vector<std::string>& present = children->names;
          std::sort(present.begin(), present.end());
          std::erase_if(known, [&](const std::string& id) {
            return !std::binary_search(present.begin(), present.end(), id);
          });
          for (const std::string& id : children->names) {
            if (known.insert(id).second) fresh.push_back(id);
          }
          if (!fresh.empty()) {
            quiet_relists_.erase(bucket);
          } else if (after_event) {
            int& quiet = quiet_relists_[bucket];
            quiet = std::min(quiet + 1, kMaxQuietDoublings);
          }
        }
        for (const std::string& id : fresh) Load(id, bucket);
      },
      [this, bucket](const zk::WatchEvent& event) {
        if (event.type != zk::WatchEventType::kChildrenChanged &&
            event.type != zk::WatchEventType::kDeleted) {
          return;  // A lost session is handled by OnNewSession.
        }
        std::chrono::milliseconds delay{};
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (!relist_pending_.insert(bucket).second) return;
          delay = RelistDelayLocked(bucket);
        }
        deps_.timer->RunAfter(delay, [this, bucket] {
          {
            std::lock_guard<std::mutex> lock(mu_);
            relist_pending_.erase(bucket);
          }
          ListBucket(bucket, /*after_event=*/true);
        });
      });
}

void ExpiryScheduler::Load(const std::string& id, uint32_t bucket) {
  if (!session::ValidateSessionId(id).ok()) return;  // Not ours to judge.
  deps_.store->Read(id, [this, id, bucket](Result<store::StoredSession> r) {
    if (r.ok()) return Schedule(id, bucket, session::ExpiresAtMs(r->record));
    if (r.status().IsUnavailable()) {
      deps_.timer->RunAfter(kRetryDelay,
                            [this, id, bucket] { Load(id, bucket); });
      return;
    }
    if (r.status().IsDataLoss()) {
      LOG(WARNING) << "expiry: " << r.status() << "; left for an operator";
    }
    Forget(id, bucket);
  });
}

void ExpiryScheduler::Schedule(const std::string& id, uint32_t bucket,
                               int64_t deadline_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || owned_.count(bucket) == 0) return;
  schedule_.emplace(deadline_ms, std::make_pair(id, bucket));
}

void ExpiryScheduler::Forget(const std::string& id, uint32_t bucket) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = known_.find(bucket);
  if (it != known_.end()) it->second.erase(id);
}

void ExpiryScheduler::Tick() {
  std::vector<std::pair<std::string, uint32_t>> due;
  bool sweep_due = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    const int64_t now = deps_.clock->NowMillis();
    // By the steady clock: markers age in real time, whatever the injected
    // clock does.
    const auto steady_now = std::chrono::steady_clock::now();
    if (steady_now >= next_sweep_) {
      sweep_due = next_sweep_ != std::chrono::steady_clock::time_point{};
      // Markers older than one to two periods are removed.
      next_sweep_ = steady_now + deps_.marker_sweep_period;
    }
    while (!schedule_.empty() && schedule_.begin()->first <= now) {
      auto [id, bucket] = schedule_.begin()->second;
      schedule_.erase(schedule_.begin());
      // Skip buckets given away and sessions no longer there.
      auto known = known_.find(bucket);
      if (owned_.count(bucket) == 0 || known == known_.end() ||
          known->second.count(id) == 0 || !checking_.insert(id).second) {
        continue;
      }
      due.emplace_back(std::move(id), bucket);
    }
  }
  for (auto& [id, bucket] : due) Check(id, bucket);
  if (sweep_due) SweepMarkers();
  deps_.timer->RunAfter(deps_.granularity, [this] { Tick(); });
}

void ExpiryScheduler::Check(const std::string& id, uint32_t bucket) {
  // A fresh read: the deadline may have moved since it was scheduled.
  deps_.store->Read(id, [this, id, bucket](Result<store::StoredSession> r) {
    if (!r.ok()) {
      DoneChecking(id);
      if (r.status().IsUnavailable()) {
        Schedule(id, bucket, deps_.clock->NowMillis() + kRetryDelay.count());
      } else {
        Forget(id, bucket);
      }
      return;
    }
    const int64_t now = deps_.clock->NowMillis();
    if (!session::IsExpired(r->record, now)) {
      DoneChecking(id);
      return Schedule(id, bucket, session::ExpiresAtMs(r->record));
    }
    Result<std::string> nonce = session::NewSessionId();
    if (!nonce.ok()) {
      DoneChecking(id);
      LOG(ERROR) << "expiry: " << nonce.status();
      return Schedule(id, bucket, now + kRetryDelay.count());
    }
    Expiry expiry;
    expiry.id = id;
    expiry.bucket = bucket;
    expiry.principal = r->record.principal;
    expiry.absolute =
        r->record.max_lifetime_ms > 0 &&
        now >= r->record.created_at_ms + r->record.max_lifetime_ms;
    expiry.marker = deps_.self + "\n" + *nonce;
    // Versioned: a touch that landed after our read wins, and the session
    // lives on. The marker commits with the delete: if the reply is lost,
    // reading it back says whether this delete won.
    const std::vector<zk::Op> marker = {
        zk::Op::Create(deps_.store->ExpiryMarkerPath(id), expiry.marker)};
    deps_.store->Delete(
        r->record, r->stat.version, marker,
        [this, expiry = std::move(expiry)](Status s) {
          if (s.ok()) return Won(expiry);
          if (s.IsUnavailable() && s.outcome_unknown()) {
            return Resolve(expiry);
          }
          DoneChecking(expiry.id);
          if (s.IsAborted())
            return Check(expiry.id, expiry.bucket);  // Touched.
          if (s.IsNotFound() || s.IsFenced()) {
            return Forget(expiry.id, expiry.bucket);  // Someone else.
          }
          Schedule(expiry.id, expiry.bucket,
                   deps_.clock->NowMillis() + kRetryDelay.count());
        });
  });
}

void ExpiryScheduler::Resolve(const Expiry& expiry) {
  // Through the leader first: after a lost reply the client may be on a
  // server that has not applied the delete yet, and a plain read there
  // would miss the marker. A multi is ordered after every transaction the
  // leader committed before it, the delete included.
  const std::string marker_path = deps_.store->ExpiryMarkerPath(expiry.id);
  deps_.client->Multi(
      {zk::Op::Check(marker_path, zk::kAnyVersion)},
      [this, expiry, marker_path](zk::MultiResult barrier) {
        if (barrier.status.IsUnavailable()) return RetryResolve(expiry);
        if (!barrier.ok()) return NotApplied(expiry);  // No marker.
        deps_.client->Get(marker_path,
                          [this, expiry](Result<zk::NodeData> marker) {
                            if (marker.ok() && marker->data == expiry.marker) {
                              return Won(expiry);
                            }
                            if (marker.status().IsUnavailable()) {
                              return RetryResolve(expiry);
                            }
                            NotApplied(expiry);  // Another member's marker.
                          });
      });
}

void ExpiryScheduler::RetryResolve(const Expiry& expiry) {
  deps_.timer->RunAfter(kRetryDelay, [this, expiry] { Resolve(expiry); });
}

void ExpiryScheduler::NotApplied(const Expiry& expiry) {
  // Judge the session again: it may still be there, or be gone by another
  // member's hand.
  DoneChecking(expiry.id);
  Schedule(expiry.id, expiry.bucket, deps_.clock->NowMillis());
}

void ExpiryScheduler::Won(const Expiry& expiry) {
  DoneChecking(expiry.id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++expired_;
  }
  Forget(expiry.id, expiry.bucket);
  deps_.forget(expiry.id);
  deps_.events->Publish({SessionEventType::kExpired, expiry.id,
                         expiry.principal,
                         expiry.absolute ? "absolute" : "idle"});
  // The marker has done its job. One left by a crash is swept later.
  deps_.client->Delete(deps_.store->ExpiryMarkerPath(expiry.id),
                       zk::kAnyVersion, [](const Status&) {});
}

void ExpiryScheduler::DoneChecking(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  checking_.erase(id);
}

void ExpiryScheduler::SweepMarkers() {
  deps_.client->GetChildren(
      deps_.store->ExpiringPath(), [this](Result<zk::Children> children) {
        if (!children.ok()) return;  // Next sweep.
        std::vector<std::string> stale;
        {
          std::lock_guard<std::mutex> lock(mu_);
          std::set<std::string> seen;
          for (const std::string& id : children->names) {
            if (!session::ValidateSessionId(id).ok() ||
                owned_.count(session::SessionBucket(
                    id, deps_.store->bucket_count())) == 0) {
              continue;
            }
            // Left since the previous sweep: its writer crashed between
            // the delete and the clean-up, or gave up resolving it.
            if (sweep_candidates_.count(id) > 0) {
              stale.push_back(id);
            } else {
              seen.insert(id);
            }
          }
          sweep_candidates_ = std::move(seen);
        }
        for (const std::string& id : stale) {
          deps_.client->Delete(deps_.store->ExpiryMarkerPath(id),
                               zk::kAnyVersion, [](const Status&) {});
        }
      });
}

}  // namespace sessionkeeper::lifecycle
