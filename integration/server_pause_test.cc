// Scenario 2: the server a client is connected to is paused (SIGSTOP) for
// less than the ZooKeeper session timeout, long enough for the client to
// give up on it and move to another server, then resumed. The session does
// not expire (same generation, same handle), a watch armed before the
// pause fires for a change made during it and watches armed afterwards
// fire too, and reads are current.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "support/ensemble_servers.h"
#include "support/ensemble_test.h"
#include "support/expiry_counter.h"
#include "support/session_manager_peer.h"
#include "support/watch_log.h"
#include "support/zk_server.h"
#include "zk/client.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::PollUntil;
using std::chrono::milliseconds;
using zk::ConnectionState;
using zk::WatchEvent;
using zk::WatchEventType;

constexpr auto kSessionTimeout = milliseconds(10000);
// Opening a manager lands on a random server; this many tries find one on
// the wanted kind of server with near certainty (1 - (2/3)^24).
constexpr int kMaxOpenAttempts = 24;

class ServerPauseTest : public EnsembleTest {
 protected:
  // Opens client 0 on the leader (or on a follower), with the session
  // timeout of this scenario.
  std::unique_ptr<RecordedManager> OpenClientOn(bool on_leader, int leader) {
    SessionManagerOptions options = Options(0);
    options.zk_session_timeout = kSessionTimeout;
    for (int attempt = 0; attempt < kMaxOpenAttempts; ++attempt) {
      std::unique_ptr<RecordedManager> client = OpenClient(0, options);
      if (client == nullptr) return nullptr;
      Result<int> server = ServerOf(*client);
      if (server.ok() && (*server == leader) == on_leader) return client;
    }
    ADD_FAILURE() << "no manager landed on the wanted server";
    return nullptr;
  }

  void PauseTheServerOfAClient(bool leader_server);
};

void ServerPauseTest::PauseTheServerOfAClient(bool leader_server) {
  Result<int> leader = Leader();
  ASSERT_TRUE(leader.ok()) << leader.status();
  std::unique_ptr<RecordedManager> watcher =
      OpenClientOn(leader_server, *leader);
  ASSERT_NE(watcher, nullptr);
  Result<int> paused = ServerOf(*watcher);
  ASSERT_TRUE(paused.ok()) << paused.status();
  // The writer never uses the paused server, so it keeps working.
  SessionManagerOptions writer_options = Options(1);
  writer_options.connect_string =
      ConnectStringWithout(connect_string(), *paused);
  std::unique_ptr<RecordedManager> writer = OpenClient(1, writer_options);
  ASSERT_NE(writer, nullptr);

  Result<Session> created = writer->Create("v", "0");
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->id;
  FlagSession(id);
  Result<Session> before =
      watcher->Read(id, "v", ReadConsistency::kLinearizable);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->attributes.at("v"), "0");

  zk::Client& zk = watcher->zk_client();
  ExpiryCounter expirations(zk);
  const uint64_t generation = zk.generation();
  const int64_t zk_session = zk.session_id();
  const milliseconds timeout = zk.negotiated_session_timeout();
  ASSERT_EQ(timeout, kSessionTimeout);
  const std::string path =
      SessionManagerTestPeer::store(watcher->manager()).SessionPath(id);
  WatchLog armed_before;
  ASSERT_TRUE(zk.GetSync(path, armed_before.Callback()).ok());

  Result<HistoryClock::time_point> paused_at = PauseServer(*paused);
  ASSERT_TRUE(paused_at.ok()) << paused_at.status();
  // Changed while the watcher's server is stopped: the watcher must still
  // hear of it once it is connected again.
  Result<Session> during = writer->Write(id, "v", "1");
  EXPECT_TRUE(during.ok()) << during.status();
  // Keep the server stopped until the client has moved to another one, but
  // well within the session timeout.
  const bool moved = PollUntil(
      [&] {
        Result<int> now_on = ServerOf(*watcher);
        return zk.state() == ConnectionState::kConnected && now_on.ok() &&
               *now_on != *paused;
      },
      std::chrono::duration_cast<milliseconds>(
          timeout * 8 / 10 - (HistoryClock::now() - *paused_at)));
  if (moved) history().Note("client 0 moved to " + watcher->CurrentServer());
  Result<HistoryClock::time_point> resumed_at = ResumeServer(*paused);
  ASSERT_TRUE(resumed_at.ok()) << resumed_at.status();
  const auto pause =
      std::chrono::duration_cast<milliseconds>(*resumed_at - *paused_at);
  EXPECT_LT(pause, timeout);
  EXPECT_TRUE(moved) << "the client did not leave the stopped server within "
                     << pause.count() << " ms";

  // The watch armed before the pause fires for the change made during it,
  // in the same session generation: the session survived.
  ASSERT_TRUE(
      PollUntil([&] { return armed_before.fired(); }, milliseconds(15000)))
      << "the watch armed before the pause never fired";
  const WatchEvent first = armed_before.events().front();
  EXPECT_EQ(first.type, WatchEventType::kDataChanged)
      << zk::WatchEventTypeName(first.type);
  EXPECT_EQ(first.generation, generation);

  ASSERT_TRUE(zk.WaitConnected(milliseconds(15000)).ok());
  EXPECT_EQ(zk.generation(), generation);
  EXPECT_EQ(zk.handles_opened(), 1u);
  EXPECT_EQ(zk.session_id(), zk_session);
  EXPECT_EQ(expirations.count(), 0);

  // Reads see the change made during the pause, at every level (the
  // linearizable read first: after it, this session's server is at least
  // that current).
  for (ReadConsistency level :
       {ReadConsistency::kLinearizable, ReadConsistency::kSequential,
        ReadConsistency::kCached}) {
    Result<Session> read = watcher->Read(id, "v", level);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->attributes.at("v"), "1");
    if (during.ok()) {
      EXPECT_EQ(read->version, during->version);
    }
  }

  // A watch armed after the resume fires as well.
  WatchLog armed_after;
  ASSERT_TRUE(zk.GetSync(path, armed_after.Callback()).ok());
  Result<Session> after = writer->Write(id, "v", "2");
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_TRUE(
      PollUntil([&] { return armed_after.fired(); }, milliseconds(15000)))
      << "the watch armed after the resume never fired";
  EXPECT_EQ(armed_after.events().front().type, WatchEventType::kDataChanged);
  Result<Session> last = watcher->Read(id, "v", ReadConsistency::kLinearizable);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->attributes.at("v"), "2");

  ReportFigures(leader_server ? "pause_leader" : "pause_follower",
                "pause_ms=" + std::to_string(pause.count()) +
                    " moved=" + (moved ? "yes" : "no") +
                    " generation=" + std::to_string(zk.generation()) +
                    " expirations=" + std::to_string(expirations.count()));
}

TEST_F(ServerPauseTest, PausingTheFollowerAClientUsesExpiresNoSession) {
  PauseTheServerOfAClient(/*leader_server=*/false);
}

TEST_F(ServerPauseTest, PausingTheLeaderAClientUsesExpiresNoSession) {
  PauseTheServerOfAClient(/*leader_server=*/true);
}

}  // namespace
}  // namespace sessionkeeper::integration
