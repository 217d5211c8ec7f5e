// Per-session floors of what one process has seen.
#include "worker/observed_versions.h"

#include <algorithm>

namespace sessionkeeper::worker {

ObservedVersions::Floor ObservedVersions::Begin(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return {};
  return {it->second.version, it->second.gone};
}

std::string ObservedVersions::Saw(const std::string& id, const Floor& floor,
                                  int32_t version) {
  std::string violation;
  if (floor.gone) {
    violation = "seen at version " + std::to_string(version) +
                " after it was seen gone (NotFound)";
  } else if (version < floor.version) {
    violation = "version " + std::to_string(version) + " after version " +
                std::to_string(floor.version) + " was seen";
  }
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_[id];
  entry.version = std::max<int64_t>(entry.version, version);
  return violation;
}

void ObservedVersions::SawGone(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[id].gone = true;
}

bool ObservedVersions::IsGone(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.gone;
}

std::vector<std::string> ObservedVersions::Known() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> ids;
  ids.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

int64_t ObservedVersions::Latest(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? -1 : it->second.version;
}

}  // namespace sessionkeeper::worker
