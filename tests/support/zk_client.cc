// Opening connected zk::Clients in tests.
#include "support/zk_client.h"

#include <gtest/gtest.h>

#include "support/zk_server.h"

namespace sessionkeeper::testing {

std::unique_ptr<zk::Client> OpenConnectedClient(zk::ClientOptions options) {
  if (options.connect_string.empty()) {
    options.connect_string = SharedZkConnectString();
  }
  Result<std::unique_ptr<zk::Client>> client =
      zk::Client::Open(std::move(options));
  if (!client.ok()) {
    ADD_FAILURE() << "Client::Open: " << client.status();
    return nullptr;
  }
  const Status connected =
      (*client)->WaitConnected(std::chrono::milliseconds(15000));
  if (!connected.ok()) {
    ADD_FAILURE() << "WaitConnected: " << connected;
    return nullptr;
  }
  return std::move(*client);
}

}  // namespace sessionkeeper::testing
