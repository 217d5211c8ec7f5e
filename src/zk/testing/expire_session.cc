// Forced session expiry for tests.
#include "zk/testing/expire_session.h"

#include <zookeeper/zookeeper.h>

#include <cstring>
#include <thread>

namespace sessionkeeper::zk {

Status ExpireSessionForTesting(const std::string& connect_string,
                               const Client::SessionCredentials& session,
                               std::chrono::milliseconds timeout) {
  clientid_t id{};
  id.client_id = session.id;
  if (session.password.size() != sizeof(id.passwd)) {
    return Status::InvalidArgument("session password has the wrong size");
  }
  std::memcpy(id.passwd, session.password.data(), sizeof(id.passwd));
  zhandle_t* zh =
      zookeeper_init(connect_string.c_str(), nullptr,
                     static_cast<int>(timeout.count()), &id, nullptr, 0);
  if (zh == nullptr) return Status::Internal("zookeeper_init failed");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Polling a state accessor: this handle has no watcher to tell us.
  while (zoo_state(zh) != ZOO_CONNECTED_STATE) {
    if (zoo_state(zh) == ZOO_EXPIRED_SESSION_STATE) {
      zookeeper_close(zh);
      return Status::NotFound("the session had already expired");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      zookeeper_close(zh);
      return Status::DeadlineExceeded("second handle did not connect");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  zookeeper_close(zh);
  return Status::Ok();
}

}  // namespace sessionkeeper::zk
