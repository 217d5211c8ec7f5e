// RunCachedLoop: cached reads in a tight loop on one or more threads (a
// cache hit completes on the calling thread, so no window is needed).
#ifndef SESSIONKEEPER_BENCH_CACHED_LOOP_H_
#define SESSIONKEEPER_BENCH_CACHED_LOOP_H_

#include <chrono>
#include <string>
#include <vector>

#include "bench/windowed_run.h"
#include "sessionkeeper/session_manager.h"

namespace sessionkeeper::bench {

enum class CachedRead {
  kShared,  // GetShared: the snapshot shared with the cache.
  kCopy,    // Get: a copy of the session.
};

// Reads `ids` round the ring with a large prime stride (so consecutive
// reads land on unrelated entries), on `threads` threads, for `duration`.
// One read in 64 is timed. `failed` counts reads that did not succeed.
RunResult RunCachedLoop(SessionManager& manager,
                        const std::vector<std::string>& ids,
                        std::chrono::milliseconds duration, int threads,
                        CachedRead how, const ZkServers* servers = nullptr);

}  // namespace sessionkeeper::bench

#endif  // SESSIONKEEPER_BENCH_CACHED_LOOP_H_
