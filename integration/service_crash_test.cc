// Scenario 7, service crash: two sessionkeeperd daemons on the ensemble and
// one root; daemon A is SIGKILLed. The sessions created through A are
// served by B at once (read, write, principal listing), and they still
// expire on time: each is deleted no earlier than its deadline and within
// the expiry granularity plus slack after it, also those in the buckets A
// owned (B takes them over when A's ZooKeeper session ends, before the
// deadlines come).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "server/daemon.h"
#include "support/ensemble_test.h"
#include "support/zk_client.h"
#include "support/zk_server.h"
#include "zk/client.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::Daemon;
using ::sessionkeeper::testing::HttpResponse;
using ::sessionkeeper::testing::PollUntil;
using std::chrono::milliseconds;

constexpr int kSessions = 20;
// Longer than the daemons' ZooKeeper session timeout (the library's 10 s
// default; the daemon has no flag for it), so A's buckets have moved to B
// before any deadline.
constexpr int kMaxIdleS = 15;
// The daemons run the library's default expiry granularity.
constexpr int64_t kGranularityMs = 500;
constexpr int64_t kSlackMs = 1500;

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ServiceCrashTest : public EnsembleTest {
 protected:
  // The session ids present under the root, read through a plain
  // ZooKeeper client (not a manager: it would take buckets).
  Result<std::set<std::string>> StoredIds(zk::Client& zk) {
    const std::string sessions = Options(0).root + "/sessions";
    Result<zk::Children> buckets = zk.GetChildrenSync(sessions);
    if (!buckets.ok()) return buckets.status();
    std::set<std::string> ids;
    for (const std::string& bucket : buckets->names) {
      std::string path = sessions;
      path += "/";
      path += bucket;
      Result<zk::Children> children = zk.GetChildrenSync(path);
      if (!children.ok()) return children.status();
      ids.insert(children->names.begin(), children->names.end());
    }
    return ids;
  }
};

TEST_F(ServiceCrashTest, TheOtherDaemonServesAndExpiresTheSessionsAtOnce) {
  const std::string root = Options(0).root;
  std::unique_ptr<Daemon> a =
      Daemon::Start(testing::WithFlags({}, connect_string(), root));
  ASSERT_NE(a, nullptr);
  std::unique_ptr<Daemon> b =
      Daemon::Start(testing::WithFlags({}, connect_string(), root));
  ASSERT_NE(b, nullptr);
  history().Note("daemons A " + a->address() + " and B " + b->address());

  std::vector<std::string> ids;
  for (int i = 0; i < kSessions; ++i) {
    Result<HttpResponse> created =
        a->Call("POST", "/v1/sessions",
                R"({"principal":"crash","max_idle_s":)" +
                    std::to_string(kMaxIdleS) + R"(,"attributes":{"by":"a"}})");
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_EQ(created->status, 201) << created->body;
    ids.push_back(created->Json()["id"].get<std::string>());
    FlagSession(ids.back());
  }

  ASSERT_EQ(a->Stop(SIGKILL), 128 + SIGKILL);
  const auto killed = history().Note("daemon A killed (SIGKILL)");

  // Served by B at once: the first request for each session succeeds.
  std::map<std::string, int64_t> deadline;
  for (const std::string& id : ids) {
    Result<HttpResponse> read = b->Call("GET", "/v1/sessions/" + id);
    ASSERT_TRUE(read.ok()) << read.status();
    ASSERT_EQ(read->status, 200) << id << ": " << read->body;
    EXPECT_EQ(read->Json()["attributes"]["by"], "a");
    Result<HttpResponse> written =
        b->Call("PATCH", "/v1/sessions/" + id, R"({"set":{"by":"b"}})");
    ASSERT_TRUE(written.ok()) << written.status();
    ASSERT_EQ(written->status, 200) << id << ": " << written->body;
    deadline[id] = written->Json()["expires_at"].get<int64_t>();
  }
  Result<HttpResponse> listed = b->Call("GET", "/v1/principals/crash/sessions");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->status, 200) << listed->body;
  EXPECT_EQ(listed->Json()["sessions"].size(), static_cast<size_t>(kSessions));
  const auto served_ms = std::chrono::duration_cast<milliseconds>(
                             std::chrono::steady_clock::now() - killed)
                             .count();
  history().Note("B served every session");

  // Nothing reads the sessions from here on (a read may refresh the last
  // access); their znodes are watched with a plain client instead.
  zk::ClientOptions zk_options;
  zk_options.connect_string = connect_string();
  std::unique_ptr<zk::Client> zk = testing::OpenConnectedClient(zk_options);
  ASSERT_NE(zk, nullptr);
  int64_t last_deadline = 0;
  for (const auto& [id, at] : deadline) {
    last_deadline = std::max(last_deadline, at);
  }
  std::map<std::string, int64_t> deleted_at;
  const auto all_deleted = [&] {
    Result<std::set<std::string>> stored = StoredIds(*zk);
    if (!stored.ok()) return false;
    const int64_t now = WallMs();
    for (const std::string& id : ids) {
      if (!stored->contains(id) && !deleted_at.contains(id)) {
        deleted_at[id] = now;
        history().Note("session " + id.substr(0, 6) + " deleted");
      }
    }
    return deleted_at.size() == ids.size();
  };
  const int64_t wait_ms =
      last_deadline + kGranularityMs + kSlackMs - WallMs() + 5000;
  EXPECT_TRUE(
      PollUntil(all_deleted, milliseconds(std::max<int64_t>(wait_ms, 0))))
      << deleted_at.size() << " of " << kSessions << " deleted";

  int64_t earliest = INT64_MAX;
  int64_t latest = INT64_MIN;
  for (const std::string& id : ids) {
    if (!deleted_at.contains(id)) continue;
    const int64_t late = deleted_at[id] - deadline[id];
    earliest = std::min(earliest, late);
    latest = std::max(latest, late);
    EXPECT_GE(late, 0) << id << " deleted before its deadline";
    EXPECT_LE(late, kGranularityMs + kSlackMs) << id << " deleted late";
  }
  for (const std::string& id : ids) {
    Result<HttpResponse> gone =
        b->Call("GET", "/v1/sessions/" + id + "?consistency=linearizable");
    ASSERT_TRUE(gone.ok()) << gone.status();
    EXPECT_EQ(gone->status, 404) << id << ": " << gone->body;
  }
  ReportFigures("service_crash",
                "sessions=" + std::to_string(kSessions) +
                    " served_by_b_within_ms=" + std::to_string(served_ms) +
                    " deleted=" + std::to_string(deleted_at.size()) +
                    " ms_after_deadline_min=" + std::to_string(earliest) +
                    " max=" + std::to_string(latest) +
                    " max_idle_s=" + std::to_string(kMaxIdleS));
}

}  // namespace
}  // namespace sessionkeeper::integration
