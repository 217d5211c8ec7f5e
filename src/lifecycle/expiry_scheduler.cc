// ExpiryScheduler: bucket ownership, deadline schedule, versioned deletes.
#include "lifecycle/expiry_scheduler.h"

#include <glog/logging.h>

#include <utility>

#include "lifecycle/bucket_ownership.h"
#include "session/record_view.h"
#include "session/session_id.h"

namespace sessionkeeper::lifecycle {

namespace {
// Child events of a busy bucket are coalesced into one re-list.
constexpr std::chrono::milliseconds kRelistDelay{100};
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

void ExpiryScheduler::ListBucket(uint32_t bucket) {
  if (!Owns(bucket)) return;
  deps_.client->GetChildren(
      deps_.store->BucketPath(bucket),
      [this, bucket](Result<zk::Children> children) {
        if (!children.ok()) {
          if (children.status().IsUnavailable()) {
            deps_.timer->RunAfter(kRetryDelay,
                                  [this, bucket] { ListBucket(bucket); });
          }
          return;
        }
        std::vector<std::string> fresh;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopped_ || owned_.count(bucket) == 0) return;
          auto& known = known_[bucket];
          std::unordered_set<std::string> present(children->names.begin(),
                                                  children->names.end());
          std::erase_if(known, [&](const std::string& id) {
            return present.count(id) == 0;
          });
          for (const std::string& id : children->names) {
            if (known.insert(id).second) fresh.push_back(id);
          }
        }
        for (const std::string& id : fresh) Load(id, bucket);
      },
      [this, bucket](const zk::WatchEvent& event) {
        if (event.type != zk::WatchEventType::kChildrenChanged &&
            event.type != zk::WatchEventType::kDeleted) {
          return;  // A lost session is handled by OnNewSession.
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (!relist_pending_.insert(bucket).second) return;
        }
        deps_.timer->RunAfter(kRelistDelay, [this, bucket] {
          {
            std::lock_guard<std::mutex> lock(mu_);
            relist_pending_.erase(bucket);
          }
          ListBucket(bucket);
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    const int64_t now = deps_.clock->NowMillis();
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
  deps_.timer->RunAfter(deps_.granularity, [this] { Tick(); });
}

void ExpiryScheduler::Check(const std::string& id, uint32_t bucket) {
  const auto done_checking = [this, id] {
    std::lock_guard<std::mutex> lock(mu_);
    checking_.erase(id);
  };
  // A fresh read: the deadline may have moved since it was scheduled.
  deps_.store->Read(id, [this, id, bucket,
                         done_checking](Result<store::StoredSession> r) {
    if (!r.ok()) {
      done_checking();
      if (r.status().IsUnavailable()) {
        Schedule(id, bucket, deps_.clock->NowMillis() + kRetryDelay.count());
      } else {
        Forget(id, bucket);
      }
      return;
    }
    const int64_t now = deps_.clock->NowMillis();
    if (!session::IsExpired(r->record, now)) {
      done_checking();
      return Schedule(id, bucket, session::ExpiresAtMs(r->record));
    }
    const bool absolute =
        r->record.max_lifetime_ms > 0 &&
        now >= r->record.created_at_ms + r->record.max_lifetime_ms;
    const std::string principal = r->record.principal;
    // Versioned: a touch that landed after our read wins, and the session
    // lives on.
    deps_.store->Delete(
        r->record, r->stat.version, /*fence=*/{},
        [this, id, bucket, absolute, principal, done_checking](Status s) {
          done_checking();
          if (s.ok()) {
            {
              std::lock_guard<std::mutex> lock(mu_);
              ++expired_;
            }
            Forget(id, bucket);
            deps_.forget(id);
            deps_.events->Publish({SessionEventType::kExpired, id, principal,
                                   absolute ? "absolute" : "idle"});
            return;
          }
          if (s.IsAborted()) return Check(id, bucket);    // Touched: re-judge.
          if (s.IsNotFound()) return Forget(id, bucket);  // Someone else.
          Schedule(id, bucket, deps_.clock->NowMillis() + kRetryDelay.count());
        });
  });
}

}  // namespace sessionkeeper::lifecycle
