// Hostile and malformed input: every request below gets a 4xx (never a 5xx,
// never a hang), and afterwards nothing in ZooKeeper has changed.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <utility>

#include "server/daemon_test_util.h"
#include "support/zk_client.h"
#include "support/zk_server.h"

namespace sessionkeeper::testing {
namespace {

using nlohmann::json;

// Every znode under `path` with its data and children versions.
void Snapshot(zk::Client& client, const std::string& path,
              std::map<std::string, std::pair<int64_t, int64_t>>* out) {
  Result<zk::Children> children = client.GetChildrenSync(path);
  ASSERT_TRUE(children.ok()) << path << ": " << children.status();
  (*out)[path] = {children->stat.mzxid, children->stat.pzxid};
  for (const std::string& name : children->names) {
    Snapshot(client, path + "/" + name, out);
  }
}

class DaemonBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A short idle timeout: requests that stall are dropped quickly.
    daemon_ = Daemon::Start(WithFlags({"--idle_timeout_s=2"}));
    ASSERT_NE(daemon_, nullptr);
    // A long max idle: reads never write the access time back, so the tree
    // must stay exactly as it is.
    witness_ = CreateSession(
        *daemon_,
        R"({"principal":"witness","max_idle_s":864000,"attributes":{"k":"v"}})");
    ASSERT_TRUE(witness_.is_object());
    id_ = witness_["id"];
    zk_ = OpenConnectedClient();
    ASSERT_NE(zk_, nullptr);
    ASSERT_TRUE(zk_->SyncSync(daemon_->root()).ok());
    Snapshot(*zk_, daemon_->root(), &before_);
  }

  void TearDown() override {
    if (zk_ == nullptr || daemon_ == nullptr) return;
    // Nothing changed: not the witness, not any znode under the root.
    const HttpResponse r = Must(
        daemon_->Call("GET", SessionPath(id_, "?consistency=linearizable")));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Json(), witness_);
    ASSERT_TRUE(zk_->SyncSync(daemon_->root()).ok());
    std::map<std::string, std::pair<int64_t, int64_t>> after;
    Snapshot(*zk_, daemon_->root(), &after);
    EXPECT_EQ(after, before_) << "the store changed";
    EXPECT_EQ(Must(daemon_->Call("GET", "/healthz")).status, 200);
    EXPECT_TRUE(daemon_->Running());
  }

  // `raw` gets a 4xx, or the connection is closed without an answer.
  void ExpectRejected(const std::string& raw, const std::string& label) {
    Result<HttpResponse> r =
        SendRaw(daemon_->address(), raw, std::chrono::seconds(20));
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().find("timed out"), std::string::npos)
          << label << ": " << r.status();
      return;
    }
    EXPECT_GE(r->status, 400) << label << ": " << r->body;
    EXPECT_LT(r->status, 500) << label << ": " << r->body;
  }

  void ExpectStatus(int want, std::string_view method,
                    const std::string& target, const std::string& body = "",
                    const Headers& headers = {}) {
    const HttpResponse r = Must(daemon_->Call(method, target, body, headers));
    EXPECT_EQ(r.status, want)
        << method << " " << target << " " << body << " -> " << r.body;
    if (r.status >= 400 && r.status != 405) {
      EXPECT_TRUE(r.Json().is_object()) << "error bodies are JSON: " << r.body;
    }
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<zk::Client> zk_;
  json witness_;
  std::string id_;
  std::map<std::string, std::pair<int64_t, int64_t>> before_;
};

TEST_F(DaemonBadInputTest, RandomBytesAre4xx) {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 40; ++i) {
    std::string blob(1 + rng() % 4096, '\0');
    for (char& c : blob) c = static_cast<char>(rng());
    // Terminated, so that the parser gets to judge it.
    ExpectRejected(blob + "\r\n\r\n", "random #" + std::to_string(i));
  }
  // Random bytes after a valid request line and as bodies.
  for (int i = 0; i < 20; ++i) {
    std::string blob(1 + rng() % 2048, '\0');
    for (char& c : blob) c = static_cast<char>(rng());
    ExpectRejected(FormatRequest("POST", "/v1/sessions", blob),
                   "random create body");
    ExpectRejected(FormatRequest("PATCH", SessionPath(id_), blob),
                   "random patch body");
    // Random header lines may well parse: then it is a plain GET.
    Result<HttpResponse> r =
        SendRaw(daemon_->address(),
                "GET /v1/sessions/" + id_ + " HTTP/1.1\r\n" + blob + "\r\n\r\n",
                std::chrono::seconds(20));
    if (r.ok()) {
      EXPECT_LT(r->status, 500) << r->body;
    }
  }
}

TEST_F(DaemonBadInputTest, TruncatedJsonIs400) {
  const std::string create =
      R"({"principal":"x","max_idle_s":60,"attributes":{"a":"b","c":"d"}})";
  const std::string patch = R"({"set":{"k":"changed"},"remove":["k2"]})";
  for (size_t n = 1; n < create.size(); ++n) {
    ExpectStatus(400, "POST", "/v1/sessions", create.substr(0, n));
  }
  for (size_t n = 1; n < patch.size(); ++n) {
    ExpectStatus(400, "PATCH", SessionPath(id_), patch.substr(0, n));
  }
}

TEST_F(DaemonBadInputTest, DeepNestingIs400) {
  ExpectStatus(400, "POST", "/v1/sessions", std::string(500000, '['));
  ExpectStatus(400, "POST", "/v1/sessions", std::string(500000, '{'));
  std::string nested = R"({"set":{"k":)";
  for (int i = 0; i < 10000; ++i) nested += R"({"x":)";
  nested += R"("v")";
  for (int i = 0; i < 10000; ++i) nested += "}";
  nested += "}}";
  ExpectStatus(400, "PATCH", SessionPath(id_), nested);
}

TEST_F(DaemonBadInputTest, HugeHeadersAndBodiesAre4xx) {
  ExpectRejected("GET /healthz HTTP/1.1\r\nX-Big: " +
                     std::string(size_t{200} * 1024, 'a') + "\r\n\r\n",
                 "one huge header");
  std::string many = "GET /v1/sessions/" + id_ + " HTTP/1.1\r\n";
  for (int i = 0; i < 5000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  ExpectRejected(many + "\r\n", "many headers");
  ExpectRejected("GET /v1/sessions/" + std::string(size_t{100} * 1024, 'A') +
                     " HTTP/1.1\r\n\r\n",
                 "huge request line");
  const std::string body =
      R"({"set":{"k":")" + std::string(2 << 20, 'x') + R"("}})";
  const HttpResponse r = Must(SendRaw(
      daemon_->address(), FormatRequest("PATCH", SessionPath(id_), body)));
  EXPECT_EQ(r.status, 413);
  std::string chunked =
      "POST /v1/sessions HTTP/1.1\r\nHost: t\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) {
    chunked += "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  }
  chunked += "0\r\n\r\n";
  ExpectRejected(chunked, "huge chunked body");
  // Oversized bodies are read to the end before the 413 (so honest
  // clients see it rather than a reset); one that never ends is cut off by
  // the idle timeout.
  ExpectRejected(
      "POST /v1/sessions HTTP/1.1\r\nContent-Length: "
      "99999999999999999999\r\n\r\n",
      "absurd content length");
  ExpectRejected("POST /v1/sessions HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                 "negative content length");
}

TEST_F(DaemonBadInputTest, AStalledRequestIsDisconnectedWithoutEffect) {
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> r =
      SendRaw(daemon_->address(),
              "PATCH " + SessionPath(id_) +
                  " HTTP/1.1\r\nContent-Length: 40\r\n\r\n{\"set\":{\"k\"",
              std::chrono::seconds(20));
  EXPECT_FALSE(r.ok());  // Closed, unanswered: the body never came.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // Headers that never end, likewise.
  r = SendRaw(daemon_->address(), "GET /healthz HTTP/1.1\r\nX-Slow: a",
              std::chrono::seconds(20));
  EXPECT_FALSE(r.ok());
}

TEST_F(DaemonBadInputTest, HostileIdsAre4xxAndNeverReachZooKeeper) {
  const std::vector<std::string> ids = {
      "..",
      ".",
      "%2F",
      "%2f",
      "%2e%2e",
      "..%2F..%2Fzookeeper",
      "..%2f..%2f..%2fmeta",
      "%00",
      "a%00b",
      id_ + "%00",
      id_ + "%2F..",
      id_ + "A",
      id_.substr(0, 21),
      "%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41",
      std::string(5000, 'A'),
      "\xc3\xa9\xc3\xa9",
      "zookeeper",
      "..;",
      "*",
  };
  for (const std::string& id : ids) {
    for (const auto& [method, suffix, body] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"GET", "", ""},
             {"PATCH", "", R"({"set":{"k":"changed"}})"},
             {"DELETE", "", ""},
             {"POST", "/touch", ""},
             {"POST", "/rotate", ""}}) {
      ExpectRejected(FormatRequest(method, "/v1/sessions/" + id + suffix, body),
                     method + " " + id);
    }
  }
  // Paths that climb out of the route, raw and encoded.
  for (const std::string& target : std::vector<std::string>{
           "/v1/sessions/../../zookeeper", "/v1/sessions/" + id_ + "/..",
           "/v1/sessions/" + id_ + "/../..", "/v1/sessions/%2E%2E/meta",
           "/v1/sessions/" + id_ + "/%2e%2e", "/v1/../v1/sessions/" + id_,
           "/v1/sessions//" + id_, "/v1/principals/../sessions"}) {
    ExpectRejected(FormatRequest("DELETE", target), "DELETE " + target);
    ExpectRejected(FormatRequest("PATCH", target, R"({"set":{"k":"x"}})"),
                   "PATCH " + target);
  }
  // A NUL byte in the request line itself.
  ExpectRejected(std::string("DELETE /v1/sessions/") + id_ +
                     std::string("\0/x", 3) + " HTTP/1.1\r\n\r\n",
                 "raw NUL");
  ExpectRejected(std::string("DELETE /v1/sessions/") + std::string("\0", 1) +
                     id_ + " HTTP/1.1\r\n\r\n",
                 "raw NUL before the id");
}

TEST_F(DaemonBadInputTest, MalformedBodiesAre400) {
  for (const char* body : {
           R"({"principal":"x","unknown":1})",
           R"({"attributes":{"a":1}})",
           R"({"attributes":{"":"x"}})",
           R"({"attributes":{"\u0001":"x"}})",
           R"({"principal":"\u0000"})",
           R"({"max_idle_s":-5})",
           R"({"max_idle_s":"60"})",
           R"({"attributes_b64":{"a":"***"}})",
           R"({"principal":"a","principal":"b"})",
           R"([1,2,3])",
           "{\"principal\":\"\xff\xfe\"}",
       }) {
    ExpectStatus(400, "POST", "/v1/sessions", body);
  }
  for (const char* body : {
           R"({"set":{"k":"x"},"remove":["k"]})",
           R"({"set":{"k":7}})",
           R"({"set":{"":"x"}})",
           R"({"remove":[""]})",
           R"({"unset":["k"]})",
           R"({"set":{"k":"a","k":"b"}})",
           R"(null)",
       }) {
    ExpectStatus(400, "PATCH", SessionPath(id_), body);
  }
  for (const auto& route :
       {SessionPath(id_, "/touch"), SessionPath(id_, "/rotate")}) {
    ExpectStatus(400, "POST", route, R"({"anything":1})");
  }
  ExpectStatus(400, "DELETE", SessionPath(id_), "{}");
}

TEST_F(DaemonBadInputTest, ABodyOnAMethodWithoutOneCannotSmuggleARequest) {
  // libevent does not read bodies of GET/HEAD/DELETE: were the body not
  // refused, it would run as a second request on the connection.
  const std::string smuggled =
      "DELETE " + SessionPath(id_) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  for (const char* method : {"GET", "DELETE", "HEAD"}) {
    const std::string raw =
        std::string(method) + " /healthz HTTP/1.1\r\n" +
        "Host: t\r\nContent-Length: " + std::to_string(smuggled.size()) +
        "\r\n\r\n" + smuggled;
    Result<std::string> all = Exchange(daemon_->address(), raw);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->find("HTTP/1.1 400"), 0U) << *all;
    EXPECT_EQ(all->find("HTTP/1.1 204"), std::string::npos) << *all;
  }
  const std::string chunked = "DELETE " + SessionPath(id_) +
                              " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                              "\r\n0\r\n\r\n";
  Result<std::string> all = Exchange(daemon_->address(), chunked);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->find("HTTP/1.1 400"), 0U) << *all;
}

TEST_F(DaemonBadInputTest, MalformedHeadersAndQueriesAre400) {
  for (const char* value :
       {"*", "W/\"0\"", "0, 1", "-1", "abc", "\"0", "99999999999"}) {
    ExpectStatus(400, "PATCH", SessionPath(id_), R"({"set":{"k":"x"}})",
                 {{"If-Match", value}});
  }
  for (const char* value :
       {"abc", "0", "-1", "+1", "1.0", "0x10", "1e3", "1 2", "",
        "9223372036854775808", "99999999999999999999"}) {
    ExpectStatus(400, "PATCH", SessionPath(id_), R"({"set":{"k":"x"}})",
                 {{"X-Lease-Token", value}});
  }
  // Two tokens: neither wins.
  ExpectStatus(400, "PATCH", SessionPath(id_), R"({"set":{"k":"x"}})",
               {{"X-Lease-Token", "1"}, {"X-Lease-Token", "2"}});
  for (const char* query : {"?consistency=strong", "?consistency=", "?x=1",
                            "?consistency=cached&x=1"}) {
    ExpectStatus(400, "GET", SessionPath(id_) + query);
  }
  ExpectStatus(400, "POST", SessionPath(id_, "/touch?force=1"));
}

TEST_F(DaemonBadInputTest, MalformedLeaseRequestsAre400AndTakeNoLease) {
  const std::string lease = SessionPath(id_, "/lease");
  for (const char* body :
       {"", "{}", R"({"holder":"h"})", R"({"ttl_ms":1000})",
        R"({"holder":"","ttl_ms":1000})", R"({"holder":"h","ttl_ms":0})",
        R"({"holder":"h","ttl_ms":86400001})", R"({"holder":"h","ttl_ms":1.5})",
        R"({"holder":"h","ttl_ms":"1000"})",
        R"({"holder":"h","ttl_ms":1000,"x":1})", "not json"}) {
    ExpectStatus(400, "POST", lease, body);
  }
  ExpectStatus(
      400, "POST", lease,
      R"({"holder":")" + std::string(257, 'h') + R"(","ttl_ms":1000})");
  // A token where none is taken.
  ExpectStatus(400, "POST", "/v1/sessions", "{}", {{"X-Lease-Token", "1"}});
  ExpectStatus(400, "GET", SessionPath(id_), "", {{"X-Lease-Token", "1"}});
  ExpectStatus(400, "DELETE", "/v1/principals/witness/sessions", "",
               {{"X-Lease-Token", "1"}});
  ExpectStatus(400, "DELETE", lease + "?token=1", "", {{"X-Lease-Token", "1"}});
  // A release without a well-formed token.
  for (const char* query : {"", "?token=", "?token=0", "?token=x", "?token=-1",
                            "?token=1&token=2", "?force=1"}) {
    ExpectStatus(400, "DELETE", lease + query);
  }
  // A renewal without a usable body or token.
  ExpectStatus(400, "POST", lease, "{}", {{"X-Lease-Token", "1"}});
  ExpectStatus(400, "POST", lease, R"({"ttl_ms":1000})",
               {{"X-Lease-Token", "one"}});
}

TEST_F(DaemonBadInputTest, HostilePrincipalsAre400) {
  for (const std::string& p :
       {std::string("%00"), std::string("%ZZ"), std::string("a%0Ab"),
        std::string("%"), std::string(2000, 'p'), std::string("%FF%FE")}) {
    ExpectStatus(400, "GET", "/v1/principals/" + p + "/sessions");
    ExpectStatus(400, "DELETE", "/v1/principals/" + p + "/sessions");
  }
}

}  // namespace
}  // namespace sessionkeeper::testing

namespace sessionkeeper::testing {
namespace {

// A short read deadline and a long idle timeout: what closes a trickling
// client here is the deadline, not the lack of progress.
class DaemonSlowClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = Daemon::Start(
        WithFlags({"--request_read_timeout_s=1", "--idle_timeout_s=60"}));
    ASSERT_NE(daemon_, nullptr);
  }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonSlowClientTest, ATricklingRequestIsDisconnectedUnanswered) {
  Result<std::unique_ptr<RawConnection>> c =
      RawConnection::Open(daemon_->address());
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Padding: " +
      std::string(4000, 'a') + "\r\n\r\n";
  const auto start = std::chrono::steady_clock::now();
  bool written = true;
  size_t sent = 0;
  // A byte every few milliseconds: always progress, never a complete
  // request.
  PollUntil(
      [&] {
        if (sent < request.size() - 2) {
          written = (*c)->Write(request.substr(sent++, 1));
        }
        return !written || (*c)->ServerSpoke();
      },
      std::chrono::seconds(10));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_LT(sent, request.size() - 2);
  const Result<HttpResponse> answer = (*c)->Read(std::chrono::seconds(5));
  EXPECT_FALSE(answer.ok()) << "closed without an answer";
  EXPECT_EQ(
      MetricOf(*daemon_, "sessionkeeperd_http_slow_requests_closed_total"), 1);
}

TEST_F(DaemonSlowClientTest, TimeBeforeTheFirstByteAndBetweenRequestsIsIdle) {
  Result<std::unique_ptr<RawConnection>> c =
      RawConnection::Open(daemon_->address());
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
  for (int i = 0; i < 2; ++i) {
    // Longer than the read deadline, shorter than the idle timeout.
    const auto idle_until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    PollUntil([&] { return std::chrono::steady_clock::now() > idle_until; },
              std::chrono::seconds(3));
    ASSERT_TRUE((*c)->Write(request));
    const Result<HttpResponse> r = (*c)->Read(std::chrono::seconds(10));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(
      MetricOf(*daemon_, "sessionkeeperd_http_slow_requests_closed_total"), 0);
}

TEST_F(DaemonSlowClientTest, OpenConnectionsAreCountedUntilTheyClose) {
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 3; ++i) {
    Result<std::unique_ptr<RawConnection>> c =
        RawConnection::Open(daemon_->address());
    ASSERT_TRUE(c.ok()) << c.status();
    open.push_back(std::move(*c));
  }
  // The scrape's own connection counts too.
  EXPECT_TRUE(PollUntil(
      [&] {
        return MetricOf(*daemon_, "sessionkeeperd_http_connections") == 4;
      },
      std::chrono::seconds(10)));
  open.clear();
  EXPECT_TRUE(PollUntil(
      [&] {
        return MetricOf(*daemon_, "sessionkeeperd_http_connections") == 1;
      },
      std::chrono::seconds(10)));
}

}  // namespace
}  // namespace sessionkeeper::testing
