// ExpiryCounter: counts the session expiries (kExpired events) a zk::Client
// reports. Its listener owns the count, because a listener may still run
// while the client closes, after the test that made it has returned.
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_EXPIRY_COUNTER_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_EXPIRY_COUNTER_H_

#include <atomic>
#include <memory>

#include "zk/client.h"

namespace sessionkeeper::integration {

class ExpiryCounter {
 public:
  explicit ExpiryCounter(zk::Client& client) {
    client.AddConnectionListener(
        [count = count_](const zk::ConnectionEvent& e) {
          if (e.state == zk::ConnectionState::kExpired) ++*count;
        });
  }
  int count() const { return count_->load(); }

 private:
  std::shared_ptr<std::atomic<int>> count_ =
      std::make_shared<std::atomic<int>>(0);
};

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_EXPIRY_COUNTER_H_
