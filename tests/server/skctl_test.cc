// skctl: the same store from a shell, interoperating with the daemon.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/daemon_test_util.h"

namespace sessionkeeper::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class SkctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = Daemon::Start();
    ASSERT_NE(daemon_, nullptr);
  }
  ExitResult Skctl(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--zk=" + daemon_->zk(), "--root=" + daemon_->root()});
    return RunToExit(SkctlPath(), args, seconds(60), /*merge_stderr=*/false);
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
           {"get", "id"}}) {
    const auto start = std::chrono::steady_clock::now();
    const ExitResult r = RunToExit(SkctlPath(), args, seconds(60), false);
    EXPECT_EQ(r.exit_code, 2) << r.errors;
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  }
}

}  // namespace
}  // namespace sessionkeeper::testing
