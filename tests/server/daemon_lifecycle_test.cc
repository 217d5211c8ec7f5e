// Process lifecycle: flags, signals and graceful shutdown, write-behind
// flush on exit, ZooKeeper outages and clients that go away.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/daemon_test_util.h"
#include "support/managers.h"
#include "support/zk_server.h"

namespace sessionkeeper::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// A standalone server of the test's own (it gets stopped and paused).
// Retried until a deadline: zkctl's start can mistake the shell it is about
// to exec into java for a server that exited, and then gives up (a zkctl
// race, reported; not this service's behaviour).
std::unique_ptr<ZkServer> PrivateZk() {
  std::unique_ptr<ZkServer> server;
  Status last;
  PollUntil(
      [&] {
        Result<std::unique_ptr<ZkServer>> zk =
            ZkServer::Start(ZkServer::Mode::kStandalone);
        if (!zk.ok()) {
          last = zk.status();
          return false;
        }
        server = std::move(*zk);
        return true;
      },
      seconds(90));
  if (server == nullptr) ADD_FAILURE() << last;
  return server;
}

// zkctl's "start 1", retried for the same reason. A failed start may leave
// the server running without its pid file (holding the port); "stop" finds
// such a server by its config and ends it before the next try.
Status StartAgain(ZkServer& zk) {
  Status s;
  PollUntil(
      [&] {
        s = zk.StartServer(1);
        if (!s.ok()) (void)zk.StopAll();
        return s.ok();
      },
      seconds(90));
  return s;
}

// The in-flight gauge as the daemon reports it (the scrape included).
int InFlight(Daemon& d) {
  return static_cast<int>(
      MetricOf(d, "sessionkeeperd_http_requests_in_flight"));
}

TEST(DaemonFlagsTest, HelpExitsZeroAndListsTheFlags) {
  const ExitResult r = RunDaemonToExit({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag :
       {"-zk ", "-listen", "-root", "-zk_credentials_file", "-auth_token_file",
        "-threads", "-cache_entries", "-cache_max_bytes",
        "-zk_max_packet_bytes", "-write_mode", "-max_body_bytes",
        "-max_header_bytes", "-max_attributes", "-max_session_bytes",
        "-idle_timeout_s", "-request_timeout_s"}) {
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
  }
}

TEST(DaemonFlagsTest, BadFlagsExitTwoNamingTheProblem) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "--zk"},
      {{"--zk=h:1", "--threads=-1"}, "--threads"},
      {{"--zk=h:1", "--threads=many"}, "threads"},
      {{"--zk=h:1", "--listen=localhost:80"}, "--listen"},
      {{"--zk=h:1", "--listen=127.0.0.1:99999"}, "--listen"},
      {{"--zk=h:1", "--write-mode=sideways"}, "--write_mode"},
      {{"--zk=h:1", "--max-body-bytes=10"}, "--max_body_bytes"},
      {{"--zk=h:1", "--max_session_bytes=2000000"}, "--max_session_bytes"},
      {{"--zk=h:1", "--idle_timeout_s=0"}, "--idle_timeout_s"},
      {{"--zk=h:1", "--request_timeout_s=0"}, "--request_timeout_s"},
      {{"--zk=h:1", "--root=relative"}, "--root"},
      {{"--zk=h:1", "--root=/a/../b"}, "--root"},
      {{"--zk=h:1", "--cache_entries=-3"}, "--cache_entries"},
      {{"--zk=h:1", "--cache_max_bytes=0"}, "--cache_max_bytes"},
      {{"--zk=h:1", "--zk_max_packet_bytes=1000"}, "--zk_max_packet_bytes"},
      {{"--zk=h:1", "--zk_credentials_file=/nonexistent"},
       "--zk_credentials_file"},
      {{"--zk=h:1", "--no_such_flag=1"}, "no_such_flag"},
      {{"--zk=h:1", "stray"}, "stray"},
  };
  for (const auto& [args, mention] : cases) {
    const ExitResult r = RunDaemonToExit(args);
    EXPECT_EQ(r.exit_code, 2) << mention << ": " << r.output;
    EXPECT_NE(r.output.find(mention), std::string::npos) << r.output;
  }
}

TEST(DaemonFlagsTest, FlagsMaySpellWordsWithDashesOrUnderscores) {
  auto d =
      Daemon::Start(WithFlags({"--max-attributes=1", "--request_timeout_s=5"}));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(Must(d->Call("POST", "/v1/sessions",
                         R"({"attributes":{"a":"1","b":"2"}})"))
                .status,
            413);
}

TEST(DaemonFlagsTest, AnUnreachableZooKeeperExitsOne) {
  const ExitResult r = RunDaemonToExit(
      {"--zk=127.0.0.1:1", "--listen=127.0.0.1:0", "--logtostderr"},
      seconds(60));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot open the session store"), std::string::npos)
      << r.output;
}

TEST(DaemonFlagsTest, ACacheTooBigForTheWatchPacketExitsTwoSayingWhy) {
  // 100,000 watched paths cannot be re-sent in one 1 MiB packet.
  const ExitResult r = RunDaemonToExit(
      {"--zk=" + SharedZkConnectString(), "--root=" + UniqueTestPath("daemon"),
       "--listen=127.0.0.1:0", "--cache_entries=100000"},
      seconds(60));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("refuses this configuration"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("cache_max_entries=100000"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("--zk_max_packet_bytes"), std::string::npos)
      << r.output;
}

TEST(DaemonFlagsTest, ALargerPacketBoundAdmitsALargerCache) {
  auto d = Daemon::Start(
      WithFlags({"--cache_entries=100000", "--zk_max_packet_bytes=16777216"}));
  ASSERT_NE(d, nullptr);
  const std::string id = CreateSession(*d)["id"];
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Must(d->Call("GET", SessionPath(id))).status, 200);
  }
  EXPECT_GE(MetricOf(*d, "sessionkeeperd_cache_hits_total"), 1);
  EXPECT_EQ(d->Stop(SIGTERM), 0) << d->Log();
}

TEST(DaemonFlagsTest, CacheEntriesZeroServesCachedReadsFromTheServer) {
  auto d = Daemon::Start(WithFlags({"--cache_entries=0"}));
  ASSERT_NE(d, nullptr);
  const std::string id = CreateSession(*d)["id"];
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Must(d->Call("GET", SessionPath(id))).status, 200);
  }
  EXPECT_EQ(MetricOf(*d, "sessionkeeperd_cache_hits_total"), 0);
  EXPECT_EQ(MetricOf(*d, "sessionkeeperd_cache_entries"), 0);
}

TEST(DaemonSignalsTest, SigtermAndSigintExitZeroAndReleaseThePort) {
  for (int signal : {SIGTERM, SIGINT}) {
    auto d = Daemon::Start();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(Must(d->Call("GET", "/healthz")).status, 200);
    EXPECT_EQ(d->Stop(signal), 0) << d->Log();
    EXPECT_TRUE(ConnectionRefused(d->address()));
  }
}

TEST(DaemonSignalsTest, ShutdownFinishesTheRequestsInFlight) {
  auto zk = PrivateZk();
  ASSERT_NE(zk, nullptr);
  auto d = Daemon::Start(
      WithFlags({"--request_timeout_s=30"}, zk->connect_string()));
  ASSERT_NE(d, nullptr);
  const std::string id = CreateSession(*d)["id"];

  // Hold the write in flight: ZooKeeper stops answering.
  ASSERT_TRUE(zk->Pause(1).ok());
  // A future, not a thread: an early failure waits for it instead of
  // terminating.
  std::future<Result<HttpResponse>> client =
      std::async(std::launch::async, [address = d->address(), id] {
        return Send(address, "PATCH", SessionPath(id),
                    R"({"set":{"k":"during shutdown"}})", {}, seconds(60));
      });
  ASSERT_TRUE(PollUntil([&] { return InFlight(*d) >= 2; }, seconds(10)));

  ::kill(d->pid(), SIGTERM);
  // It stops accepting at once, but keeps running for the request.
  EXPECT_TRUE(
      PollUntil([&] { return ConnectionRefused(d->address()); }, seconds(10)));
  EXPECT_TRUE(d->Running());

  ASSERT_TRUE(zk->Resume(1).ok());
  const Result<HttpResponse> patched = client.get();
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(patched->Json()["attributes"]["k"], "during shutdown");
  EXPECT_EQ(d->Stop(SIGTERM), 0) << d->Log();
}

TEST(DaemonSignalsTest, WriteBehindChangesAreFlushedOnShutdown) {
  auto d = Daemon::Start(
      WithFlags({"--write_mode=behind", "--write_behind_interval_ms=3600000"}));
  ASSERT_NE(d, nullptr);
  const std::string id = CreateSession(*d)["id"];
  const HttpResponse r =
      Must(d->Call("PATCH", SessionPath(id), R"({"set":{"k":"buffered"}})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["attributes"]["k"], "buffered");

  SessionManagerOptions options = ManagerOptions(d->root());
  std::unique_ptr<SessionManager> reader = OpenManager(options);
  ASSERT_NE(reader, nullptr);
  Result<Session> before = reader->Get(id, ReadConsistency::kLinearizable);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->attributes.count("k"), 0U) << "not flushed yet";

  EXPECT_EQ(d->Stop(SIGTERM), 0) << d->Log();
  Result<Session> after = reader->Get(id, ReadConsistency::kLinearizable);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->attributes.at("k"), "buffered");
}

TEST(DaemonZooKeeperTest, AnOutageAnswers503WithRetryAfterAndRecovers) {
  auto zk = PrivateZk();
  ASSERT_NE(zk, nullptr);
  auto d =
      Daemon::Start(WithFlags({"--request_timeout_s=2"}, zk->connect_string()));
  ASSERT_NE(d, nullptr);
  const std::string id = CreateSession(*d)["id"];
  ASSERT_TRUE(zk->StopAll().ok());

  const auto start = std::chrono::steady_clock::now();
  HttpResponse r =
      Must(d->Call("GET", SessionPath(id, "?consistency=linearizable")));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(r.Json()["error"], "unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(4));
  r = Must(d->Call("PATCH", SessionPath(id), R"({"set":{"a":"b"}})"));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_FALSE(r.Header("retry-after").empty());
  r = Must(d->Call("POST", "/v1/sessions", "{}"));
  EXPECT_EQ(r.status, 503) << r.body;

  EXPECT_TRUE(
      PollUntil([&] { return Must(d->Call("GET", "/readyz")).status == 503; },
                seconds(10)));
  r = Must(d->Call("GET", "/readyz"));
  EXPECT_FALSE(r.Header("retry-after").empty());
  EXPECT_EQ(Must(d->Call("GET", "/healthz")).status, 200);
  EXPECT_EQ(MetricOf(*d, "sessionkeeperd_zookeeper_ready"), 0);
  EXPECT_TRUE(PollUntil(
      [&] { return MetricOf(*d, "sessionkeeperd_zookeeper_connected") == 0; },
      seconds(30)));
  EXPECT_EQ(MetricOf(*d,
                     "sessionkeeperd_zookeeper_connection_state{state="
                     "\"connected\"}"),
            0);

  ASSERT_TRUE(StartAgain(*zk).ok());
  EXPECT_TRUE(
      PollUntil([&] { return Must(d->Call("GET", "/readyz")).status == 200; },
                seconds(60)));
  EXPECT_TRUE(PollUntil(
      [&] {
        return Must(
                   d->Call("GET", SessionPath(id, "?consistency=linearizable")))
                   .status == 200;
      },
      seconds(30)));
  EXPECT_EQ(d->Stop(SIGTERM), 0) << d->Log();
}

TEST(DaemonZooKeeperTest, AClientThatLeavesMidRequestDoesNotHurtTheDaemon) {
  auto zk = PrivateZk();
  ASSERT_NE(zk, nullptr);
  auto d = Daemon::Start(
      WithFlags({"--request_timeout_s=30"}, zk->connect_string()));
  ASSERT_NE(d, nullptr);
  const std::string id = CreateSession(*d)["id"];
  ASSERT_TRUE(zk->Pause(1).ok());
  // Requests that will be answered after their clients have gone.
  for (int i = 0; i < 5; ++i) {
    Result<HttpResponse> r =
        Send(d->address(), "PATCH", SessionPath(id), R"({"set":{"k":"v"}})", {},
             std::chrono::milliseconds(300));
    EXPECT_FALSE(r.ok());  // Gave up waiting and closed the connection.
  }
  EXPECT_EQ(InFlight(*d), 6);
  ASSERT_TRUE(zk->Resume(1).ok());
  EXPECT_TRUE(PollUntil([&] { return InFlight(*d) == 1; }, seconds(30)));
  EXPECT_EQ(Must(d->Call("GET", SessionPath(id))).status, 200);
  EXPECT_EQ(d->Stop(SIGTERM), 0) << d->Log();
}

TEST(DaemonLoadTest, ManyConcurrentClientsOnSeveralLoops) {
  auto d = Daemon::Start(WithFlags({"--threads=4"}));
  ASSERT_NE(d, nullptr);
  const std::string id = CreateSession(*d)["id"];
  std::atomic<int> bad{0};
  std::vector<std::thread> clients;
  clients.reserve(8);
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        Result<HttpResponse> r =
            i % 4 == 0 ? Send(d->address(), "PATCH", SessionPath(id),
                              R"({"set":{"t)" + std::to_string(t) + R"(":")" +
                                  std::to_string(i) + R"("}})")
                       : Send(d->address(), "GET", SessionPath(id));
        if (!r.ok() || r->status != 200) ++bad;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(bad.load(), 0);
  const json doc =
      Must(d->Call("GET", SessionPath(id, "?consistency=linearizable"))).Json();
  for (int t = 0; t < 8; ++t) {
    EXPECT_EQ(doc["attributes"]["t" + std::to_string(t)], "36");
  }
  EXPECT_EQ(d->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace sessionkeeper::testing
