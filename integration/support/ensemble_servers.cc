// Server numbers from connect strings.
#include "support/ensemble_servers.h"

namespace sessionkeeper::integration {

std::vector<std::string> ConnectStringServers(const std::string& connect) {
  const std::string hosts = connect.substr(0, connect.find('/'));
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= hosts.size()) {
    const size_t comma = hosts.find(',', start);
    const size_t end = comma == std::string::npos ? hosts.size() : comma;
    if (end > start) out.push_back(hosts.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<int> ServerNumber(const std::string& connect,
                         const std::string& host_port) {
  const std::vector<std::string> servers = ConnectStringServers(connect);
  for (size_t i = 0; i < servers.size(); ++i) {
    if (servers[i] == host_port) return static_cast<int>(i + 1);
  }
  return Status::NotFound("'" + host_port + "' is not in '" + connect + "'");
}

std::string ConnectStringWithout(const std::string& connect, int number) {
  const std::vector<std::string> servers = ConnectStringServers(connect);
  std::string out;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (static_cast<int>(i + 1) == number) continue;
    if (!out.empty()) out += ',';
    out += servers[i];
  }
  return out;
}

}  // namespace sessionkeeper::integration
