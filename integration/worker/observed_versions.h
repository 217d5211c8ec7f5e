// ObservedVersions: what one process has seen of each session, so that it
// can tell when a session went back in time for it. Only operations that
// did not overlap are compared: an operation must see at least the version
// of every operation on the same session that completed before it started
// (whatever the read level: a cached read that serves a copy older than
// one this process already saw is exactly the bug to catch), and a session
// seen gone (NotFound) must never be seen again (ids are never reused).
#ifndef SESSIONKEEPER_INTEGRATION_WORKER_OBSERVED_VERSIONS_H_
#define SESSIONKEEPER_INTEGRATION_WORKER_OBSERVED_VERSIONS_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sessionkeeper::worker {

// Thread-safe.
class ObservedVersions {
 public:
  // What had been seen of a session when an operation on it started.
  struct Floor {
    int64_t version = -1;  // -1: nothing seen yet.
    bool gone = false;
  };

  // Call when an operation starts.
  Floor Begin(const std::string& id) const;
  // The operation that started at `floor` saw the session at `version`.
  // Returns "" or what went wrong ("version 3 after 5 was seen", "seen
  // again after NotFound").
  std::string Saw(const std::string& id, const Floor& floor, int32_t version);
  // It found the session gone (NotFound). Never a violation by itself: a
  // session may be deleted or expire at any time.
  void SawGone(const std::string& id);

  // True when the session was seen gone.
  bool IsGone(const std::string& id) const;
  // Every session seen, gone or not.
  std::vector<std::string> Known() const;
  // The highest version seen; -1 when none.
  int64_t Latest(const std::string& id) const;

 private:
  struct Entry {
    int64_t version = -1;
    bool gone = false;
  };

  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // Guarded by mu_.
};

}  // namespace sessionkeeper::worker

#endif  // SESSIONKEEPER_INTEGRATION_WORKER_OBSERVED_VERSIONS_H_
