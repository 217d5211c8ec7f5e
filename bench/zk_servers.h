// ZkServers: what the ZooKeeper servers did during a measurement, read
// from their `srvr` four-letter word (requests received, zxid) and from
// /proc (CPU time), so that every benchmark can report the ZooKeeper cost
// of an operation next to its speed.
//
// Not thread-safe; one instance per measuring thread.
#ifndef SESSIONKEEPER_BENCH_ZK_SERVERS_H_
#define SESSIONKEEPER_BENCH_ZK_SERVERS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sessionkeeper::bench {

struct ZkSample {
  bool ok = false;
  // Client requests received, summed over the servers (pings included:
  // a busy client sends none).
  uint64_t received = 0;
  // The highest zxid counter seen: it moves by one per write transaction.
  uint64_t zxid = 0;
  // User plus system CPU seconds of the server processes (0 without pids).
  double cpu_seconds = 0;
};

struct ZkDelta {
  bool ok = false;
  uint64_t requests = 0;
  uint64_t writes = 0;
  double cpu_seconds = 0;
};

class ZkServers {
 public:
  // `connect`: "host:port,host:port[/chroot]"; `pids`: "1,2,3" (optional).
  ZkServers(const std::string& connect, const std::string& pids);

  ZkSample Sample() const;
  static ZkDelta Delta(const ZkSample& before, const ZkSample& after);

 private:
  std::vector<std::pair<std::string, int>> servers_;
  std::vector<pid_t> pids_;
};

// Waits until the servers receive fewer than `per_second` requests a
// second: background work (the expiry scheduler reading every session of
// the buckets a new manager owns, or every new session) has ended. Gives
// up after `limit`. Returns the seconds waited.
double WaitUntilQuiet(const ZkServers& servers, uint64_t per_second = 20,
                      std::chrono::seconds limit = std::chrono::seconds(240));

}  // namespace sessionkeeper::bench

#endif  // SESSIONKEEPER_BENCH_ZK_SERVERS_H_
