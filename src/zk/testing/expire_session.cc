// Forced session expiry for tests.
#include "zk/testing/expire_session.h"

#include <zookeeper/zookeeper.h>

#include <cstring>
#include <thread>

namespace sessionkeeper::zk {

namespace {

enum class Attach { kConnected, kExpired, kTimedOut, kFailed };

// Opens a handle on `id` and waits until it is connected (the session is
// alive) or told the session expired. The handle is returned in `*out`
// (null unless connected).
Attach AttachTo(const std::string& connect_string, const clientid_t& id,
                std::chrono::milliseconds timeout,
                std::chrono::steady_clock::time_point deadline,
                zhandle_t** out) {
  *out = nullptr;
  zhandle_t* zh =
      zookeeper_init(connect_string.c_str(), nullptr,
                     static_cast<int>(timeout.count()), &id, nullptr, 0);
  if (zh == nullptr) return Attach::kFailed;
  // Polling a state accessor: this handle has no watcher to tell us.
  while (zoo_state(zh) != ZOO_CONNECTED_STATE) {
    if (zoo_state(zh) == ZOO_EXPIRED_SESSION_STATE) {
      zookeeper_close(zh);
      return Attach::kExpired;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      zookeeper_close(zh);
      return Attach::kTimedOut;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  *out = zh;
  return Attach::kConnected;
}

}  // namespace

Status ExpireSessionForTesting(const std::string& connect_string,
                               const Client::SessionCredentials& session,
                               std::chrono::milliseconds timeout) {
  clientid_t id{};
  id.client_id = session.id;
  if (session.password.size() != sizeof(id.passwd)) {
    return Status::InvalidArgument("session password has the wrong size");
  }
  std::memcpy(id.passwd, session.password.data(), sizeof(id.passwd));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Closing our handle ends the session, unless the original handle
  // re-attached to the session in between and the server dropped our
  // connection before the close request went out (seen in CI: the close
  // then times out and the session lives on). So attach again until the
  // server says the session is gone.
  for (bool first = true;; first = false) {
    zhandle_t* zh = nullptr;
    switch (AttachTo(connect_string, id, timeout, deadline, &zh)) {
      case Attach::kExpired:
        return first ? Status::NotFound("the session had already expired")
                     : Status::Ok();
      case Attach::kTimedOut:
        return Status::DeadlineExceeded(
            first ? "second handle did not connect"
                  : "the session did not end before the deadline");
      case Attach::kFailed:
        return Status::Internal("zookeeper_init failed");
      case Attach::kConnected:
        zookeeper_close(zh);
        break;
    }
  }
}

}  // namespace sessionkeeper::zk
