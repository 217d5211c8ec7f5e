// The write-behind buffer.
#include "session/pending_changes.h"

#include <algorithm>
#include <utility>

namespace sessionkeeper::session {

void PendingChange::MergeNewer(const PendingChange& newer) {
  for (const auto& [name, value] : newer.attributes) attributes[name] = value;
  touched_at_ms = std::max(touched_at_ms, newer.touched_at_ms);
}

void PendingChange::ApplyTo(store::SessionRecord& record) const {
  for (const auto& [name, value] : attributes) {
    if (value.has_value()) {
      record.attributes[name] = *value;
    } else {
      record.attributes.erase(name);
    }
  }
  record.last_access_at_ms = std::max(record.last_access_at_ms, touched_at_ms);
}

void PendingChange::ApplyTo(Session& session) const {
  for (const auto& [name, value] : attributes) {
    if (value.has_value()) {
      session.attributes[name] = *value;
    } else {
      session.attributes.erase(name);
    }
  }
  session.last_access_at_ms =
      std::max(session.last_access_at_ms, touched_at_ms);
}

void PendingChanges::Add(const std::string& id, const PendingChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_[id].MergeNewer(change);
}

std::optional<PendingChange> PendingChanges::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

std::unordered_map<std::string, PendingChange> PendingChanges::TakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(pending_, {});
}

void PendingChanges::Restore(const std::string& id,
                             const PendingChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(id);
  if (it == pending_.end()) {
    pending_.emplace(id, change);
    return;
  }
  PendingChange merged = change;
  merged.MergeNewer(it->second);
  it->second = std::move(merged);
}

void PendingChanges::Drop(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.erase(id);
}

size_t PendingChanges::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace sessionkeeper::session
