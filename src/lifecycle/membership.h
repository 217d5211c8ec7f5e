// Membership: this manager's EPHEMERAL znode under <root>/members, and the
// live member list, watched. The registration is re-created after a
// ZooKeeper session loss (the ephemeral went with the old session).
//
// Thread-safe; callbacks run on the zk::Client's callback thread.
#ifndef SESSIONKEEPER_LIFECYCLE_MEMBERSHIP_H_
#define SESSIONKEEPER_LIFECYCLE_MEMBERSHIP_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/timer_thread.h"
#include "sessionkeeper/events.h"
#include "zk/client.h"

namespace sessionkeeper::lifecycle {

class Membership {
 public:
  using MembersChanged = std::function<void(std::vector<std::string>)>;

  // `members_path`: <root>/members. None of the pointers is owned.
  Membership(zk::Client* client, TimerThread* timer, std::string members_path,
             Member self, MembersChanged on_change);

  // Registers and starts watching.
  void Start();
  // Re-registers after the session was lost (call on kConnected of a new
  // generation).
  void OnNewSession();
  // Stops retries (the manager is closing).
  void Stop();

  // The live member names as last seen (sorted).
  std::vector<std::string> live() const;
  // Reads every member's record.
  void List(zk::Callback<std::vector<Member>> done);

 private:
  void Register(int attempt);
  void WatchMembers();

  zk::Client* const client_;
  TimerThread* const timer_;
  const std::string members_path_;
  const Member self_;
  const MembersChanged on_change_;

  mutable std::mutex mu_;  // Guards the members below.
  std::vector<std::string> live_;
  bool stopped_ = false;
};

}  // namespace sessionkeeper::lifecycle

#endif  // SESSIONKEEPER_LIFECYCLE_MEMBERSHIP_H_
