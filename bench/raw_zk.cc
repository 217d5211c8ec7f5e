// Raw ZooKeeper C client helpers for the baselines (see raw_zk.h).
#include "bench/raw_zk.h"

#include <chrono>
#include <thread>
#include <vector>

namespace sessionkeeper::bench {

zhandle_t* OpenRawHandle(const std::string& connect, int timeout_ms) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  zhandle_t* zh =
      zookeeper_init(connect.c_str(), nullptr, 10000, nullptr, nullptr, 0);
  if (zh == nullptr) return nullptr;
  // The library's setting (src/zk/client.cc): without it the raw client
  // resolves the servers' names on every pass of its I/O loop, and the
  // baseline would pay for getaddrinfo what the library no longer does.
  zoo_set_servers_resolution_delay(zh, 5000);
  for (int waited = 0; zoo_state(zh) != ZOO_CONNECTED_STATE; waited += 5) {
    if (waited >= timeout_ms) {
      zookeeper_close(zh);
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return zh;
}

bool EnsurePath(zhandle_t* zh, const std::string& path) {
  for (size_t slash = 1; slash != std::string::npos;) {
    slash = path.find('/', slash + 1);
    const std::string prefix = path.substr(0, slash);
    const int rc = zoo_create(zh, prefix.c_str(), nullptr, -1,
                              &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) return false;
  }
  return true;
}

std::string ReadZnode(zhandle_t* zh, const std::string& path) {
  std::vector<char> buffer(1 << 20);
  int length = static_cast<int>(buffer.size());
  if (zoo_get(zh, path.c_str(), 0, buffer.data(), &length, nullptr) != ZOK ||
      length < 0) {
    return "";
  }
  return std::string(buffer.data(), static_cast<size_t>(length));
}

}  // namespace sessionkeeper::bench
