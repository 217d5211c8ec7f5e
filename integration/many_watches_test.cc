// Scenario 8, many watches: a manager caches 50,000 sessions (one ZooKeeper
// watch each), then the server it is connected to is killed and restarted.
// The client reconnects with the same ZooKeeper session (re-sending all
// 50,000 watches in one packet, which the servers' jute.maxbuffer of 4 MiB
// takes), and invalidation still works: sessions another manager writes
// are seen at their new version by the first manager's cached reads.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "support/ensemble_servers.h"
#include "support/ensemble_test.h"
#include "support/zk_server.h"
#include "zk/client.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::PollUntil;
using ::sessionkeeper::testing::WatchedPathsOfSession;
using std::chrono::milliseconds;

constexpr int kSessions = 50000;
// Above kSessions with room for the per-shard split of the CLOCK cache, so
// nothing is evicted; 64,000 watch paths of about 40 bytes stay under 3/4
// of the packet limit below (Open checks).
constexpr size_t kCacheEntries = 64000;
// zkctl starts the servers with -Djute.maxbuffer=4194304.
constexpr size_t kMaxPacketBytes = 4194304;
// A short root keeps each watched path short.
constexpr char kRoot[] = "/w8";
constexpr int kInFlight = 1000;
constexpr int kWritten = 200;
constexpr auto kSeen = milliseconds(10000);

class ManyWatchesTest : public EnsembleTest {
 protected:
  // Runs `start(i, done)` for i in [0, n) with at most kInFlight calls
  // outstanding; `done(ok)` must be called once per call, from any thread.
  // Returns how many succeeded.
  static int Pipelined(
      int n, const std::function<void(int, std::function<void(bool)>)>& start) {
    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;
    int finished = 0;
    int succeeded = 0;
    for (int i = 0; i < n; ++i) {
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return in_flight < kInFlight; });
        ++in_flight;
      }
      start(i, [&](bool ok) {
        std::lock_guard<std::mutex> lock(mu);
        --in_flight;
        ++finished;
        succeeded += ok ? 1 : 0;
        cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return finished == n; });
    return succeeded;
  }
};

TEST_F(ManyWatchesTest, ReconnectionCompletesAndInvalidationStillWorks) {
  const auto began = std::chrono::steady_clock::now();
  const auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<milliseconds>(
               std::chrono::steady_clock::now() - t)
        .count();
  };
  SessionManagerOptions options = Options(0);
  options.root = kRoot;
  options.cache_max_entries = kCacheEntries;
  options.zk_max_packet_bytes = kMaxPacketBytes;
  std::unique_ptr<RecordedManager> cached = OpenClient(0, options);
  ASSERT_NE(cached, nullptr);
  SessionManagerOptions writer_options = Options(1);
  writer_options.root = kRoot;
  std::unique_ptr<RecordedManager> writer = OpenClient(1, writer_options);
  ASSERT_NE(writer, nullptr);
  SessionManager& manager = cached->manager();

  // 50,000 sessions, created pipelined.
  std::vector<std::string> ids(kSessions);
  const int created = Pipelined(kSessions, [&](int i, auto done) {
    CreateRequest request;
    request.attributes = {{"v", "0"}};
    manager.CreateAsync(request, [&ids, i, done](const Result<Session>& s) {
      if (s.ok()) ids[i] = s->id;
      done(s.ok());
    });
  });
  ASSERT_EQ(created, kSessions);
  const int64_t create_ms = ms_since(began);
  history().Note("created " + std::to_string(created) + " sessions");

  // Each cached by a cached read (a miss: a watched read).
  const auto filling = std::chrono::steady_clock::now();
  const int filled = Pipelined(kSessions, [&](int i, auto done) {
    manager.GetAsync(ids[i], ReadConsistency::kCached,
                     [done](Result<Session> s) { done(s.ok()); });
  });
  ASSERT_EQ(filled, kSessions);
  const int64_t fill_ms = ms_since(filling);
  const CacheStats before = manager.cache_stats();
  ASSERT_EQ(before.entries, static_cast<uint64_t>(kSessions));
  ASSERT_EQ(before.evictions, 0u);
  zk::Client& zk = cached->zk_client();
  // Counted by the server the manager is connected to ("wchc"): one per
  // cached session, plus the manager's own (buckets, membership).
  const auto server_watches = [&zk]() -> size_t {
    Result<std::vector<std::string>> paths =
        WatchedPathsOfSession(zk.current_server(), zk.session_id());
    EXPECT_TRUE(paths.ok()) << paths.status();
    return paths.ok() ? paths->size() : 0;
  };
  const size_t watches = server_watches();
  EXPECT_GE(watches, static_cast<size_t>(kSessions));
  history().Note("cached " + std::to_string(before.entries) + " sessions, " +
                 std::to_string(watches) + " data watches armed");

  // Restart the server the manager is connected to.
  const uint64_t generation = zk.generation();
  const uint64_t handles = zk.handles_opened();
  Result<int> server = ServerOf(*cached);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string old_server = cached->CurrentServer();
  Result<HistoryClock::time_point> killed = KillServer(*server);
  ASSERT_TRUE(killed.ok()) << killed.status();
  // Reconnected elsewhere, watches and all, on the same ZooKeeper session.
  const bool reconnected = PollUntil(
      [&] {
        const std::string now = cached->CurrentServer();
        return zk.state() == zk::ConnectionState::kConnected && !now.empty() &&
               now != old_server;
      },
      milliseconds(20000));
  const int64_t reconnect_ms = ms_since(*killed);
  ASSERT_TRUE(reconnected) << "no reconnection; state "
                           << zk::ConnectionStateName(zk.state());
  history().Note("reconnected to " + cached->CurrentServer());
  ASSERT_TRUE(StartServer(*server).ok());
  EXPECT_EQ(zk.generation(), generation) << "the ZooKeeper session was lost";
  EXPECT_EQ(zk.handles_opened(), handles);
  // The C client re-sent every watch to the new server.
  EXPECT_GE(server_watches(), static_cast<size_t>(kSessions));

  // Invalidation works: another manager writes; the cached reads of the
  // first see each new version within a deadline.
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(0, kSessions - 1);
  int64_t slowest_ms = 0;
  int stale = 0;
  for (int k = 0; k < kWritten; ++k) {
    const std::string& id = ids[pick(rng)];
    Result<Session> written = writer->Write(id, "v", "w" + std::to_string(k));
    ASSERT_TRUE(written.ok()) << written.status();
    const auto start = std::chrono::steady_clock::now();
    const bool seen = PollUntil(
        [&] {
          Result<Session> r = manager.Get(id, ReadConsistency::kCached);
          return r.ok() && r->version >= written->version &&
                 r->attributes.at("v") == "w" + std::to_string(k);
        },
        kSeen);
    if (!seen) {
      ++stale;
      FlagSession(id);
      ADD_FAILURE() << "cached read of " << id << " never saw version "
                    << written->version;
    }
    slowest_ms = std::max<int64_t>(slowest_ms, ms_since(start));
  }
  // The rest are served from the cache again once revalidated.
  int hits_ok = 0;
  for (int k = 0; k < kWritten; ++k) {
    Result<Session> r = manager.Get(ids[pick(rng)], ReadConsistency::kCached);
    hits_ok += r.ok() ? 1 : 0;
  }
  EXPECT_EQ(hits_ok, kWritten);
  const CacheStats after = manager.cache_stats();
  EXPECT_GE(after.invalidations - before.invalidations,
            static_cast<uint64_t>(kWritten - stale));
  ReportFigures(
      "many_watches",
      "sessions=" + std::to_string(kSessions) +
          " cached=" + std::to_string(before.entries) + " watches=" +
          std::to_string(watches) + " create_ms=" + std::to_string(create_ms) +
          " fill_ms=" + std::to_string(fill_ms) +
          " reconnect_ms=" + std::to_string(reconnect_ms) +
          " same_zk_session=" + (zk.generation() == generation ? "yes" : "no") +
          " writes_seen=" + std::to_string(kWritten - stale) + "/" +
          std::to_string(kWritten) +
          " slowest_seen_ms=" + std::to_string(slowest_ms) + " revalidations=" +
          std::to_string(after.revalidations - before.revalidations) +
          " invalidations=" +
          std::to_string(after.invalidations - before.invalidations) +
          " run_ms=" + std::to_string(ms_since(began)));
}

}  // namespace
}  // namespace sessionkeeper::integration
