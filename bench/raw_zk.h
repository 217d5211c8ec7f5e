// Helpers for the raw ZooKeeper C client baselines.
#ifndef SESSIONKEEPER_BENCH_RAW_ZK_H_
#define SESSIONKEEPER_BENCH_RAW_ZK_H_

#include <zookeeper/zookeeper.h>

#include <string>

namespace sessionkeeper::bench {

// A connected handle, or nullptr after `timeout_ms` (the C client's log
// is turned down to errors).
zhandle_t* OpenRawHandle(const std::string& connect, int timeout_ms = 15000);

// Creates `path` and any missing ancestors (empty, persistent, open ACL).
bool EnsurePath(zhandle_t* zh, const std::string& path);

// The bytes stored at `path` ("" when it cannot be read).
std::string ReadZnode(zhandle_t* zh, const std::string& path);

}  // namespace sessionkeeper::bench

#endif  // SESSIONKEEPER_BENCH_RAW_ZK_H_
