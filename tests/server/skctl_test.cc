// skctl: the same store from a shell, interoperating with the daemon.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <set>

#include "server/daemon_test_util.h"
#include "support/zk_server.h"

namespace sessionkeeper::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// The JSON lines printed so far (a partial last line left out).
std::vector<json> JsonLines(const std::string& output) {
  std::vector<json> lines;
  size_t start = 0;
  for (size_t end; (end = output.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(json::parse(output.substr(start, end - start)));
  }
  return lines;
}

class SkctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = Daemon::Start();
    ASSERT_NE(daemon_, nullptr);
  }
  std::vector<std::string> WithStore(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--zk=" + daemon_->zk(), "--root=" + daemon_->root()});
    return args;
  }
  ExitResult Skctl(std::vector<std::string> args) {
    return RunToExit(SkctlPath(), WithStore(std::move(args)), seconds(60),
                     /*merge_stderr=*/false);
  }
  // `skctl watch id` in the background, once it printed the session.
  std::unique_ptr<Process> StartWatch(const std::string& id) {
    std::unique_ptr<Process> watch =
        Process::Start(SkctlPath(), WithStore({"watch", id}));
    if (watch == nullptr) {
      return nullptr;
    }
    if (!PollUntil([&] { return !JsonLines(watch->Output()).empty(); },
                   seconds(30))) {
      ADD_FAILURE() << "watch printed nothing: " << watch->Errors();
      return nullptr;
    }
    return watch;
  }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(SkctlTest, CreatesWhatTheDaemonServesAndViceVersa) {
  ExitResult r = Skctl({"create", "--principal=carol", "cart=3 items"});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const json created = json::parse(r.output);
  const std::string id = created["id"];
  EXPECT_EQ(created["attributes"]["cart"], "3 items");
  const HttpResponse read =
      Must(daemon_->Call("GET", SessionPath(id, "?consistency=linearizable")));
  EXPECT_EQ(read.Json(), created);

  ASSERT_EQ(Must(daemon_->Call("PATCH", SessionPath(id),
                               R"({"set":{"cart":"4 items"}})"))
                .status,
            200);
  r = Skctl({"get", id});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  EXPECT_EQ(json::parse(r.output)["attributes"]["cart"], "4 items");

  r = Skctl({"list", "carol"});
  EXPECT_EQ(json::parse(r.output),
            json::parse(R"({"sessions":[")" + id + R"("]})"));
}

TEST_F(SkctlTest, ChangesAndDeletesSessions) {
  const std::string id = CreateSession(*daemon_)["id"];
  ExitResult r = Skctl({"set", id, "a=1", "b=2", "--if_match=0"});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  EXPECT_EQ(json::parse(r.output)["version"], 1);
  r = Skctl({"set", id, "a=3", "--if_match=0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.errors)["error"], "precondition_failed");
  r = Skctl({"remove", id, "b"});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  EXPECT_EQ(json::parse(r.output)["attributes"], json::parse(R"({"a":"1"})"));
  r = Skctl({"rotate", id});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const std::string new_id = json::parse(r.output)["id"];
  EXPECT_EQ(Must(daemon_->Call("GET", SessionPath(id))).status, 404);
  EXPECT_EQ(Skctl({"touch", new_id}).exit_code, 0);
  EXPECT_EQ(Skctl({"delete", new_id}).exit_code, 0);
  EXPECT_EQ(Must(daemon_->Call("GET", SessionPath(new_id))).status, 404);
}

TEST_F(SkctlTest, FailuresExitOneWithAJsonError) {
  ExitResult r = Skctl({"get", "AAAAAAAAAAAAAAAAAAAAAA"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.output.empty());
  EXPECT_EQ(json::parse(r.errors)["error"], "not_found");
  r = Skctl({"delete", "../zookeeper"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.errors)["error"], "invalid_argument");
}

// Ids are base64url: one in 64 starts with '-', and must not be taken for a
// flag (the CI failure of ChangesAndDeletesSessions, a rotated id "-r-U...").
TEST_F(SkctlTest, IdsStartingWithADashAreIdsNotFlags) {
  for (const std::string id :
       {"-AAAAAAAAAAAAAAAAAAAAA", "--AAAAAAAAAAAAAAAAAAAA"}) {
    for (const std::string command : {"get", "touch", "delete", "rotate"}) {
      const ExitResult r = Skctl({command, id});
      EXPECT_EQ(r.exit_code, 1) << command << " " << id << ": " << r.errors;
      EXPECT_EQ(json::parse(r.errors)["error"], "not_found") << r.errors;
    }
    const ExitResult r = Skctl({"set", id, "a=1", "--if_match=3"});
    EXPECT_EQ(r.exit_code, 1) << r.errors;
    EXPECT_EQ(json::parse(r.errors)["error"], "not_found") << r.errors;
  }
}

TEST_F(SkctlTest, MembersListsTheDaemonsWithTheirAddresses) {
  auto second = Daemon::Start(WithFlags({}, "", daemon_->root()));
  ASSERT_NE(second, nullptr);
  const ExitResult r = Skctl({"members"});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const json listed = json::parse(r.output);
  std::set<std::string> addresses;
  for (const json& member : listed["members"]) {
    addresses.insert(member["address"].get<std::string>());
    EXPECT_FALSE(member["node_id"].get<std::string>().starts_with("skctl-"))
        << "skctl's own registration is not a member to report";
    EXPECT_GT(member["started_at"].get<int64_t>(), 0);
  }
  EXPECT_EQ(addresses,
            (std::set<std::string>{daemon_->address(), second->address()}));
}

TEST_F(SkctlTest, StatsReportItsManagerAndTheMembers) {
  const ExitResult r = Skctl({"stats"});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const json stats = json::parse(r.output);
  EXPECT_TRUE(stats["node_id"].get<std::string>().starts_with("skctl-"));
  EXPECT_EQ(stats["connection"]["state"], "connected");
  EXPECT_EQ(stats["connection"]["connected"], true);
  EXPECT_GE(stats["connection"]["generation"].get<int>(), 1);
  EXPECT_FALSE(stats["connection"]["server"].get<std::string>().empty());
  for (const char* counter :
       {"hits", "misses", "invalidations", "evictions", "stale_reads",
        "reloads", "revalidations", "entries", "bytes"}) {
    EXPECT_TRUE(stats["cache"][counter].is_number_unsigned()) << counter;
  }
  for (const char* counter :
       {"owned_buckets", "scheduled_sessions", "expired_deleted", "members",
        "leases_held", "leases_acquired", "leases_contended",
        "leases_taken_over", "leases_lost", "fenced_writes_rejected"}) {
    EXPECT_TRUE(stats["lifecycle"][counter].is_number_unsigned()) << counter;
  }
  EXPECT_GE(stats["lifecycle"]["members"].get<int>(), 1);
  std::set<std::string> members;
  for (const json& member : stats["members"]) {
    members.insert(member["node_id"].get<std::string>());
    if (member["address"] == daemon_->address()) {
      members.insert("<daemon>");
    }
  }
  EXPECT_TRUE(members.contains("<daemon>")) << r.output;
  EXPECT_TRUE(members.contains(stats["node_id"].get<std::string>()));
}

TEST_F(SkctlTest, WatchPrintsEachChangeAsItHappensUntilTheSessionIsDeleted) {
  const json created = CreateSession(*daemon_, R"({"attributes":{"n":"0"}})");
  const std::string id = created["id"];
  std::unique_ptr<Process> watch = StartWatch(id);
  ASSERT_NE(watch, nullptr);
  EXPECT_EQ(
      JsonLines(watch->Output())[0],
      json::parse(R"({"event":"current","session":)" + created.dump() + "}"));
  for (int i = 1; i <= 3; ++i) {
    const HttpResponse patched =
        Must(daemon_->Call("PATCH", SessionPath(id),
                           R"({"set":{"n":")" + std::to_string(i) + R"("}})"));
    ASSERT_EQ(patched.status, 200);
    // Each write is reported before the next one is made.
    ASSERT_TRUE(
        PollUntil([&] { return JsonLines(watch->Output()).size() == 1U + i; },
                  seconds(5)))
        << watch->Output();
    EXPECT_EQ(
        JsonLines(watch->Output()).back(),
        json::parse(R"({"event":"changed","session":)" + patched.body + "}"));
  }
  EXPECT_EQ(watch->Wait(std::chrono::milliseconds(0)), -1) << "still running";

  ASSERT_EQ(Must(daemon_->Call("DELETE", SessionPath(id))).status, 204);
  EXPECT_EQ(watch->Wait(seconds(10)), 0) << watch->Errors();
  EXPECT_EQ(JsonLines(watch->Output()).back(),
            json::parse(R"({"event":"gone","id":")" + id +
                        R"(","reason":"deleted"})"));
}

TEST_F(SkctlTest, WatchEndsWhenTheSessionExpiresAndDoesNotKeepItAlive) {
  const std::string id = CreateSession(*daemon_, R"({"max_idle_s":1})")["id"];
  std::unique_ptr<Process> watch = StartWatch(id);
  ASSERT_NE(watch, nullptr);
  // The watch reads the session every few milliseconds; were those reads
  // to refresh its last access, it would never expire.
  EXPECT_EQ(watch->Wait(seconds(15)), 0) << watch->Errors();
  const std::vector<json> lines = JsonLines(watch->Output());
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["event"], "gone");
  EXPECT_EQ(lines.back()["reason"], "expired");
  for (const json& line : lines) {
    if (line["event"] == "changed") {
      ADD_FAILURE() << "touched: " << line;
    }
  }
}

TEST_F(SkctlTest, WatchOfABadOrMissingIdExitsOne) {
  ExitResult r = Skctl({"watch", "../zookeeper"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.errors)["error"], "invalid_argument");
  EXPECT_TRUE(r.output.empty());
  r = Skctl({"watch", "AAAAAAAAAAAAAAAAAAAAAA"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.errors)["error"], "not_found");
}

TEST_F(SkctlTest, WatchStopsOnSigtermAndLeavesTheMembers) {
  const std::string id = CreateSession(*daemon_)["id"];
  std::unique_ptr<Process> watch = StartWatch(id);
  ASSERT_NE(watch, nullptr);
  watch->Signal(SIGTERM);
  EXPECT_EQ(watch->Wait(seconds(30)), 128 + SIGTERM) << watch->Errors();
  // It closed its ZooKeeper session: its member znode went with it at once.
  const ExitResult r = Skctl({"stats"});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const json stats = json::parse(r.output);
  for (const json& member : stats["members"]) {
    EXPECT_FALSE(member["node_id"].get<std::string>().ends_with(
        "-" + std::to_string(watch->pid())))
        << r.output;
  }
}

TEST_F(SkctlTest, ReadsDoNotRefreshLastAccess) {
  const json created = CreateSession(*daemon_, R"({"max_idle_s":5})");
  const std::string id = created["id"];
  // Past the daemon's touch threshold (a tenth of max idle), where a read
  // through it would write the access time back.
  const auto start = std::chrono::steady_clock::now();
  PollUntil(
      [&] {
        return std::chrono::steady_clock::now() - start >
               std::chrono::milliseconds(600);
      },
      seconds(2));
  for (const char* consistency : {"cached", "sequential", "linearizable"}) {
    const ExitResult r =
        Skctl({"get", id, std::string("--consistency=") + consistency});
    ASSERT_EQ(r.exit_code, 0) << r.errors;
    EXPECT_EQ(json::parse(r.output)["version"], 0) << consistency;
  }
  const ExitResult r = Skctl({"get", id});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  EXPECT_EQ(json::parse(r.output)["last_access_at"], created["last_access_at"]);
}

TEST(SkctlUsageTest, UsageErrorsExitTwoBeforeConnecting) {
  // Port 1: were it to connect, it would wait for the connect timeout.
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--zk=127.0.0.1:1"},
           {"--zk=127.0.0.1:1", "bogus"},
           {"--zk=127.0.0.1:1", "get"},
           {"--zk=127.0.0.1:1", "get", "a", "b"},
           {"--zk=127.0.0.1:1", "set", "id", "novalue"},
           {"--zk=127.0.0.1:1", "--consistency=strong", "get", "id"},
           {"--zk=127.0.0.1:1", "--no_such_flag", "get", "id"},
           {"--zk=127.0.0.1:1", "members", "x"},
           {"--zk=127.0.0.1:1", "stats", "x"},
           {"--zk=127.0.0.1:1", "watch"},
           {"--zk=127.0.0.1:1", "watch", "a", "b"},
           {"get", "id"}}) {
    const auto start = std::chrono::steady_clock::now();
    const ExitResult r = RunToExit(SkctlPath(), args, seconds(60), false);
    EXPECT_EQ(r.exit_code, 2) << r.errors;
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  }
}

}  // namespace
}  // namespace sessionkeeper::testing
