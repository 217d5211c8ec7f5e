// Client authentication with --auth_token_file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "server/daemon_test_util.h"

namespace sessionkeeper::testing {
namespace {

constexpr char kToken[] = "tok-0123456789abcdef-xyz";

std::string WriteTokenFile(const std::string& content) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("sk-token-" + std::to_string(::getpid()) + "-" +
                       std::to_string(std::hash<std::string>{}(content))))
                         .string();
  std::ofstream(path) << content;
  ::chmod(path.c_str(), 0600);
  return path;
}

class DaemonAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_file_ = WriteTokenFile(std::string(kToken) + "\n");
    daemon_ = Daemon::Start(WithFlags({"--auth_token_file=" + token_file_}));
    ASSERT_NE(daemon_, nullptr);
  }
  void TearDown() override { std::filesystem::remove(token_file_); }

  std::string token_file_;
  std::unique_ptr<Daemon> daemon_;
};

const Headers kGoodAuth = {{"Authorization", std::string("Bearer ") + kToken}};

TEST_F(DaemonAuthTest, RequestsWithoutTheTokenAre401) {
  const HttpResponse r = Must(daemon_->Call("POST", "/v1/sessions", "{}"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["error"], "unauthenticated");
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer realm=\"sessionkeeper\"");
}

TEST_F(DaemonAuthTest, AWrongTokenIs401AndChangesNothing) {
  const HttpResponse created =
      Must(daemon_->Call("POST", "/v1/sessions", "{}", kGoodAuth));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.Json()["id"];
  for (const Headers& bad : std::vector<Headers>{
           {{"Authorization", "Bearer wrong-token-0123456789"}},
           {{"Authorization", std::string("Basic ") + kToken}},
           {{"Authorization", kToken}},
           {{"Authorization", std::string("Bearer ") + kToken + "x"}},
           {{"X-Auth-Token", kToken}}}) {
    EXPECT_EQ(Must(daemon_->Call("DELETE", SessionPath(id), "", bad)).status,
              401);
  }
  EXPECT_EQ(Must(daemon_->Call("GET", SessionPath(id), "", kGoodAuth)).status,
            200);
}

TEST_F(DaemonAuthTest, TheTokenOpensEveryV1Route) {
  const HttpResponse created = Must(
      daemon_->Call("POST", "/v1/sessions", R"({"principal":"p"})", kGoodAuth));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.Json()["id"];
  EXPECT_EQ(
      Must(daemon_->Call("GET", SessionPath(id), "",
                         {{"Authorization", std::string("bearer ") + kToken}}))
          .status,
      200);
  EXPECT_EQ(
      Must(daemon_->Call("GET", "/v1/principals/p/sessions", "", kGoodAuth))
          .status,
      200);
}

TEST_F(DaemonAuthTest, UnknownV1RoutesAre401NotAHint) {
  EXPECT_EQ(Must(daemon_->Call("GET", "/v1/secret")).status, 401);
  EXPECT_EQ(Must(daemon_->Call("GET", "/v1/secret", "", kGoodAuth)).status,
            404);
}

TEST_F(DaemonAuthTest, ProbesAndMetricsNeedNoToken) {
  EXPECT_EQ(Must(daemon_->Call("GET", "/healthz")).status, 200);
  EXPECT_EQ(Must(daemon_->Call("GET", "/readyz")).status, 200);
  EXPECT_EQ(Must(daemon_->Call("GET", "/metrics")).status, 200);
}

TEST(DaemonAuthFlagsTest, AnUnusableTokenFileExitsTwo) {
  const std::string short_token = WriteTokenFile("short\n");
  const std::string spaced = WriteTokenFile("has a space in it 0123456789\n");
  for (const std::string& file :
       {short_token, spaced, std::string("/nonexistent/token")}) {
    const ExitResult r =
        RunDaemonToExit({"--zk=127.0.0.1:1", "--auth_token_file=" + file});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--auth_token_file"), std::string::npos)
        << r.output;
  }
  std::filesystem::remove(short_token);
  std::filesystem::remove(spaced);
}

}  // namespace
}  // namespace sessionkeeper::testing
