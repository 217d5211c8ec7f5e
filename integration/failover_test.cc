// Issue 5, failover: sessions created through manager A (a process of its
// own) are readable, writable and expirable through manager B after A's
// process is SIGKILLed: B serves them at once, and once A's ZooKeeper
// session is gone B owns every bucket and deletes them when they expire,
// never before.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "support/worker_process.h"
#include "support/zk_server.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::PollUntil;
using std::chrono::milliseconds;

constexpr int kSessions = 10;
constexpr auto kMaxIdle = milliseconds(3000);
constexpr auto kZkSessionTimeout = milliseconds(3000);
constexpr auto kGranularity = milliseconds(500);
// Room for the dead member's session to end on the server (its timeout
// plus a tick) and for scheduling on a loaded machine.
constexpr auto kSlack = milliseconds(2000);

class FailoverTest : public MultiProcessTest {};

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(FailoverTest, SessionsOfAKilledProcessAreServedAndExpiredByAnother) {
  const std::vector<std::string> flags = {
      "--zk_session_timeout_ms=" + std::to_string(kZkSessionTimeout.count()),
      "--expiry_granularity_ms=" + std::to_string(kGranularity.count())};
  WorkerProcess* a = StartWorker(0, flags);
  ASSERT_NE(a, nullptr);
  WorkerProcess* b = StartWorker(1, flags);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(PollUntil(
      [&] {
        Result<Line> m = a->Call(Line("members"));
        return m.ok() && m->GetList("members").size() == 2;
      },
      milliseconds(10000)));

  Result<Line> created = a->Call(Line("create")
                                     .Add("n", kSessions)
                                     .Add("max_idle_ms", kMaxIdle.count())
                                     .Add("principal", "failover"));
  ASSERT_TRUE(created.ok()) << created.status();
  const std::vector<std::string> ids = created->GetList("ids");
  ASSERT_EQ(ids.size(), static_cast<size_t>(kSessions));
  for (const std::string& id : ids) {
    Result<Line> set = a->Call(Line("mutate").Add("id", id).Add("set.by", "a"));
    ASSERT_TRUE(set.ok()) << set.status();
  }

  ASSERT_TRUE(a->Kill().ok());
  const auto killed = history().Note("A killed");

  // At once through B: read (its default, cached level), write, read back.
  std::map<std::string, int64_t> expires_at;
  for (const std::string& id : ids) {
    FlagSession(id);
    Result<Line> read = b->Call(Line("get").Add("id", id));
    ASSERT_TRUE(read.ok()) << id << ": " << read.status();
    EXPECT_EQ(read->GetOr("a.by", ""), "a");
    Result<Line> written =
        b->Call(Line("mutate").Add("id", id).Add("set.by", "b"));
    ASSERT_TRUE(written.ok()) << id << ": " << written.status();
    // Greater, not necessarily by one: the read may have written the last
    // access back first (touch coalescing: past 10 % of max idle).
    EXPECT_GT(written->GetIntOr("version", -1), read->GetIntOr("version", -1));
    expires_at[id] = written->GetIntOr("expires_at", 0);
    Result<Line> again =
        b->Call(Line("get").Add("id", id).Add("level", "linearizable"));
    ASSERT_TRUE(again.ok()) << id << ": " << again.status();
    EXPECT_EQ(again->GetOr("a.by", ""), "b");
  }
  const auto served = std::chrono::duration_cast<milliseconds>(
      std::chrono::steady_clock::now() - killed);
  Result<Line> found =
      b->Call(Line("get").Add("id", ids[0]).Add("level", "sequential"));
  ASSERT_TRUE(found.ok()) << found.status();

  // A's member znode goes with its ZooKeeper session.
  EXPECT_TRUE(PollUntil(
      [&] {
        Result<Line> m = b->Call(Line("members"));
        return m.ok() &&
               m->GetList("members") == std::vector<std::string>{b->node_id()};
      },
      kZkSessionTimeout + kSlack * 2));

  // Expired through B, each exactly once, never before its deadline.
  int64_t latest = 0;
  for (const auto& [id, at] : expires_at) latest = std::max(latest, at);
  const int64_t limit_ms = latest + kGranularity.count() + kSlack.count();
  const bool all =
      PollUntil([&] { return b->CountEvents("expired") >= kSessions; },
                milliseconds(std::max<int64_t>(0, limit_ms - WallMs()) + 5000));
  EXPECT_TRUE(all) << b->CountEvents("expired") << " of " << kSessions;
  int64_t max_late = 0;
  std::map<std::string, int> events;
  for (const Line& e : b->Events()) {
    if (e.GetOr("type", "") != "expired") continue;
    const std::string id = e.GetOr("id", "");
    ++events[id];
    ASSERT_TRUE(expires_at.contains(id)) << "unexpected expiry " << id;
    const int64_t late = e.GetIntOr("at", 0) - expires_at[id];
    EXPECT_GE(late, 0) << id << " expired before its deadline";
    EXPECT_LE(late, kGranularity.count() + kSlack.count()) << id;
    max_late = std::max(max_late, late);
  }
  for (const std::string& id : ids) {
    EXPECT_EQ(events[id], 1) << id;
    Result<Line> gone =
        b->Call(Line("get").Add("id", id).Add("level", "linearizable"));
    EXPECT_TRUE(gone.status().IsNotFound()) << id << ": " << gone.status();
  }
  ReportFigures(
      "failover",
      "sessions=" + std::to_string(kSessions) +
          " served_by_b_within_ms=" + std::to_string(served.count()) +
          " expired_by_b=" + std::to_string(b->CountEvents("expired")) +
          " max_ms_after_deadline=" + std::to_string(max_late));
}

}  // namespace
}  // namespace sessionkeeper::integration
