// Naming the members of a 3-server loopback ensemble from a client's point
// of view: zkctl numbers servers 1..3 in connect-string order.
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_ENSEMBLE_SERVERS_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_ENSEMBLE_SERVERS_H_

#include <string>
#include <vector>

#include "sessionkeeper/result.h"

namespace sessionkeeper::integration {

// The "host:port" entries of a connect string (any chroot dropped).
std::vector<std::string> ConnectStringServers(const std::string& connect);

// The number (1-based) of `host_port` (as zk::Client::current_server()
// reports it) in `connect`; NotFound when it is not a member.
Result<int> ServerNumber(const std::string& connect,
                         const std::string& host_port);

// `connect` without server `number`: a client that must not use it.
std::string ConnectStringWithout(const std::string& connect, int number);

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_ENSEMBLE_SERVERS_H_
