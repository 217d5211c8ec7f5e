// The HTTP contract, route by route and status by status, against a real
// sessionkeeperd on a real ZooKeeper.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "server/daemon_test_util.h"
#include "support/zk_client.h"
#include "support/zk_server.h"

namespace sessionkeeper::testing {
namespace {

using nlohmann::json;

class DaemonApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = Daemon::Start();
    ASSERT_NE(daemon_, nullptr);
  }
  HttpResponse Call(std::string_view method, std::string_view target,
                    std::string_view body = "", const Headers& headers = {}) {
    return Must(daemon_->Call(method, target, body, headers));
  }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonApiTest, CreateAnswers201WithTheSessionDocument) {
  const HttpResponse r = Call(
      "POST", "/v1/sessions",
      R"({"principal":"alice","max_idle_s":60,"attributes":{"cart":"3 items"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  const json doc = r.Json();
  std::set<std::string> keys;
  for (const auto& item : doc.items()) keys.insert(item.key());
  EXPECT_EQ(keys,
            (std::set<std::string>{"id", "version", "principal", "created_at",
                                   "last_access_at", "expires_at", "max_idle_s",
                                   "attributes"}));
  EXPECT_EQ(doc["id"].get<std::string>().size(), 22U);
  EXPECT_EQ(doc["version"], 0);
  EXPECT_EQ(doc["principal"], "alice");
  EXPECT_EQ(doc["max_idle_s"], 60);
  EXPECT_EQ(doc["expires_at"].get<int64_t>(),
            doc["last_access_at"].get<int64_t>() + 60000);
  EXPECT_EQ(doc["attributes"], json::parse(R"({"cart":"3 items"})"));
  EXPECT_EQ(r.Header("etag"), "\"0\"");
}

TEST_F(DaemonApiTest, CreateWithoutABodyUsesTheDefaults) {
  const HttpResponse r = Call("POST", "/v1/sessions");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["principal"], nullptr);
  EXPECT_EQ(r.Json()["max_idle_s"], 1800);
  EXPECT_EQ(r.Json()["attributes"], json::object());
}

TEST_F(DaemonApiTest, MaxLifetimeBoundsExpiry) {
  const json doc =
      CreateSession(*daemon_, R"({"max_idle_s":3600,"max_lifetime_s":10})");
  EXPECT_EQ(doc["expires_at"].get<int64_t>(),
            doc["created_at"].get<int64_t>() + 10000);
}

TEST_F(DaemonApiTest, GetAnswers200AtEveryConsistency) {
  const json created = CreateSession(*daemon_, R"({"attributes":{"k":"v"}})");
  const std::string id = created["id"];
  for (const char* query :
       {"", "?consistency=cached", "?consistency=sequential",
        "?consistency=linearizable"}) {
    const HttpResponse r = Call("GET", SessionPath(id) + query);
    ASSERT_EQ(r.status, 200) << query << " " << r.body;
    EXPECT_EQ(r.Json()["id"], id);
    EXPECT_EQ(r.Json()["attributes"], created["attributes"]);
    EXPECT_EQ(r.Header("etag"), "\"0\"");
  }
}

TEST_F(DaemonApiTest, HeadAnswersLikeGetWithoutABody) {
  const std::string id = CreateSession(*daemon_)["id"];
  const HttpResponse r = Call("HEAD", SessionPath(id));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.Header("etag"), "\"0\"");
  // On a kept-alive connection the next answer must start right after.
  const std::string two = "HEAD " + SessionPath(id) +
                          " HTTP/1.1\r\nHost: t\r\n\r\n" +
                          FormatRequest("GET", "/healthz");
  Result<std::string> all = Exchange(daemon_->address(), two);
  ASSERT_TRUE(all.ok()) << all.status();
  const size_t second = all->find("HTTP/1.1", 1);
  ASSERT_NE(second, std::string::npos) << *all;
  EXPECT_EQ(all->substr(second - 4, 4), "\r\n\r\n") << *all;
  EXPECT_NE(all->find(R"({"status":"ok"})"), std::string::npos);
}

TEST_F(DaemonApiTest, GetOfAMissingSessionIs404) {
  const HttpResponse r = Call("GET", SessionPath("AAAAAAAAAAAAAAAAAAAAAA"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"], "not_found");
  EXPECT_TRUE(r.Json()["message"].is_string());
}

TEST_F(DaemonApiTest, PatchSetsAndRemovesAttributes) {
  const std::string id =
      CreateSession(*daemon_, R"({"attributes":{"a":"1","b":"2"}})")["id"];
  const HttpResponse r = Call("PATCH", SessionPath(id),
                              R"({"set":{"c":"3","a":"9"},"remove":["b"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["version"], 1);
  EXPECT_EQ(r.Json()["attributes"], json::parse(R"({"a":"9","c":"3"})"));
  EXPECT_EQ(r.Header("etag"), "\"1\"");
  const HttpResponse read =
      Call("GET", SessionPath(id, "?consistency=linearizable"));
  EXPECT_EQ(read.Json()["attributes"], r.Json()["attributes"]);
}

TEST_F(DaemonApiTest, PatchWithTheCurrentVersionInIfMatchSucceeds) {
  const std::string id = CreateSession(*daemon_)["id"];
  HttpResponse r = Call("PATCH", SessionPath(id), R"({"set":{"a":"1"}})",
                        {{"If-Match", "\"0\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call("PATCH", SessionPath(id), R"({"set":{"a":"2"}})",
           {{"If-Match", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["version"], 2);
}

TEST_F(DaemonApiTest, PatchWithAStaleIfMatchIs412AndChangesNothing) {
  const std::string id = CreateSession(*daemon_)["id"];
  ASSERT_EQ(Call("PATCH", SessionPath(id), R"({"set":{"a":"1"}})").status, 200);
  const HttpResponse r = Call("PATCH", SessionPath(id), R"({"set":{"a":"2"}})",
                              {{"If-Match", "\"0\""}});
  EXPECT_EQ(r.status, 412) << r.body;
  EXPECT_EQ(r.Json()["error"], "precondition_failed");
  const json doc =
      Call("GET", SessionPath(id, "?consistency=linearizable")).Json();
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["attributes"]["a"], "1");
}

TEST_F(DaemonApiTest, PatchOfAMissingSessionIs404) {
  EXPECT_EQ(Call("PATCH", SessionPath("AAAAAAAAAAAAAAAAAAAAAA"),
                 R"({"set":{"a":"1"}})")
                .status,
            404);
}

TEST_F(DaemonApiTest, TouchIs204AndRefreshesLastAccess) {
  const json created = CreateSession(*daemon_);
  const std::string id = created["id"];
  const HttpResponse r = Call("POST", SessionPath(id, "/touch"));
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  const json doc =
      Call("GET", SessionPath(id, "?consistency=linearizable")).Json();
  EXPECT_GE(doc["last_access_at"].get<int64_t>(),
            created["last_access_at"].get<int64_t>());
  EXPECT_EQ(
      Call("POST", SessionPath("AAAAAAAAAAAAAAAAAAAAAA", "/touch")).status,
      404);
}

TEST_F(DaemonApiTest, DeleteIs204AndTheSessionIsGone) {
  const std::string id = CreateSession(*daemon_)["id"];
  EXPECT_EQ(Call("DELETE", SessionPath(id)).status, 204);
  EXPECT_EQ(Call("GET", SessionPath(id, "?consistency=linearizable")).status,
            404);
  EXPECT_EQ(Call("DELETE", SessionPath(id)).status, 404);
}

TEST_F(DaemonApiTest, RotateGivesANewIdAndTheOldOneAnswers404) {
  const json created =
      CreateSession(*daemon_, R"({"principal":"p","attributes":{"k":"v"}})");
  const std::string old_id = created["id"];
  const HttpResponse r = Call("POST", SessionPath(old_id, "/rotate"));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string new_id = r.Json()["id"];
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(r.Json()["attributes"], created["attributes"]);
  EXPECT_EQ(r.Json()["principal"], "p");
  EXPECT_EQ(Call("GET", SessionPath(old_id)).status, 404);
  EXPECT_EQ(Call("GET", SessionPath(new_id)).status, 200);
  EXPECT_EQ(Call("POST", SessionPath(old_id, "/rotate")).status, 404);
}

TEST_F(DaemonApiTest, PrincipalRoutesListAndInvalidate) {
  // A principal with a slash and non-ASCII, percent-encoded in the URL.
  const std::string principal = "dept/élodie";
  const std::string encoded = "dept%2F%C3%A9lodie";
  const std::string a =
      CreateSession(*daemon_, R"({"principal":")" + principal + R"("})")["id"];
  const std::string b =
      CreateSession(*daemon_, R"({"principal":")" + principal + R"("})")["id"];
  const std::string other =
      CreateSession(*daemon_, R"({"principal":"dept"})")["id"];

  HttpResponse r = Call("GET", "/v1/principals/" + encoded + "/sessions");
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> ids;
  const json listed = r.Json();
  for (const auto& id : listed["sessions"]) ids.insert(id);
  EXPECT_EQ(ids, (std::set<std::string>{a, b}));

  r = Call("DELETE", "/v1/principals/" + encoded + "/sessions");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json(), json::parse(R"({"invalidated":2})"));
  EXPECT_EQ(Call("GET", SessionPath(a)).status, 404);
  r = Call("GET", "/v1/principals/" + encoded + "/sessions");
  EXPECT_EQ(r.Json(), json::parse(R"({"sessions":[]})"));
  EXPECT_EQ(Call("GET", SessionPath(other)).status, 200);
}

TEST_F(DaemonApiTest, BinaryValuesTravelAsBase64) {
  const std::string id = CreateSession(
      *daemon_,
      R"({"attributes":{"text":"héllo"},"attributes_b64":{"bin":"/wAB"}})")
      ["id"];
  HttpResponse r = Call("GET", SessionPath(id));
  EXPECT_EQ(r.Json()["attributes"], json::parse(R"({"text":"héllo"})"));
  EXPECT_EQ(r.Json()["attributes_b64"], json::parse(R"({"bin":"/wAB"})"));
  // Base64 of valid UTF-8 is stored as those bytes and answered as text.
  r = Call("PATCH", SessionPath(id), R"({"set_b64":{"bin":"b2s="}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["attributes"]["bin"], "ok");
  EXPECT_FALSE(r.Json().contains("attributes_b64"));
}

class DaemonLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = Daemon::Start(
        WithFlags({"--max_attributes=2", "--max_session_bytes=2048",
                   "--max_body_bytes=8192"}));
    ASSERT_NE(daemon_, nullptr);
  }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonLimitsTest, TooManyAttributesIs413) {
  const HttpResponse r = Must(daemon_->Call(
      "POST", "/v1/sessions", R"({"attributes":{"a":"1","b":"2","c":"3"}})"));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.Json()["error"], "too_large");
  const std::string id =
      CreateSession(*daemon_, R"({"attributes":{"a":"1","b":"2"}})")["id"];
  EXPECT_EQ(
      Must(daemon_->Call("PATCH", SessionPath(id), R"({"set":{"c":"3"}})"))
          .status,
      413);
}

TEST_F(DaemonLimitsTest, ASessionOverTheSizeLimitIs413) {
  const std::string id = CreateSession(*daemon_)["id"];
  const std::string big(4000, 'x');
  const HttpResponse r = Must(daemon_->Call(
      "PATCH", SessionPath(id), R"({"set":{"a":")" + big + R"("}})"));
  EXPECT_EQ(r.status, 413) << r.body;
  const HttpResponse read =
      Must(daemon_->Call("GET", SessionPath(id, "?consistency=linearizable")));
  EXPECT_EQ(read.Json()["version"], 0);
}

TEST_F(DaemonLimitsTest, ABodyOverTheLimitIs413) {
  const std::string big(10000, 'x');
  const HttpResponse r = Must(daemon_->Call(
      "POST", "/v1/sessions", R"({"attributes":{"a":")" + big + R"("}})"));
  EXPECT_EQ(r.status, 413);
}

TEST_F(DaemonApiTest, CorruptStoredRecordIs410NotA5xx) {
  const std::string id = CreateSession(*daemon_)["id"];
  auto zk = OpenConnectedClient();
  ASSERT_NE(zk, nullptr);
  // Find the session's znode in its bucket and overwrite it with garbage.
  const std::string sessions = daemon_->root() + "/sessions";
  Result<zk::Children> buckets = zk->GetChildrenSync(sessions);
  ASSERT_TRUE(buckets.ok()) << buckets.status();
  std::string path;
  for (const std::string& bucket : buckets->names) {
    Result<zk::Children> ids = zk->GetChildrenSync(sessions + "/" + bucket);
    ASSERT_TRUE(ids.ok());
    for (const std::string& name : ids->names) {
      if (name == id) path = sessions + "/" + bucket + "/" + name;
    }
  }
  ASSERT_FALSE(path.empty());
  ASSERT_TRUE(zk->SetSync(path, "not a flatbuffer", zk::kAnyVersion).ok());
  const HttpResponse r =
      Call("GET", SessionPath(id, "?consistency=linearizable"));
  EXPECT_EQ(r.status, 410) << r.body;
  EXPECT_EQ(r.Json()["error"], "data_loss");
}

TEST_F(DaemonApiTest, HealthzAndReadyzAre200) {
  HttpResponse r = Call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["status"], "ok");
  r = Call("GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["status"], "ready");
}

TEST_F(DaemonApiTest, MetricsCountRequestsByRouteAndStatus) {
  ASSERT_EQ(Call("GET", SessionPath("AAAAAAAAAAAAAAAAAAAAAA")).status, 404);
  CreateSession(*daemon_);
  const HttpResponse r = Call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"),
            "text/plain; version=0.0.4; charset=utf-8");
  for (const char* line : {
           "sessionkeeperd_http_requests_total{route=\"get_session\","
           "code=\"404\"} 1\n",
           "sessionkeeperd_http_requests_total{route=\"create_session\","
           "code=\"201\"} 1\n",
           "sessionkeeperd_http_request_duration_seconds_count{route="
           "\"create_session\",code=\"201\"} 1\n",
           "sessionkeeperd_http_request_duration_seconds_bucket{route="
           "\"get_session\",code=\"404\",le=\"+Inf\"} 1\n",
           // This scrape itself is in flight.
           "sessionkeeperd_http_requests_in_flight 1\n",
           "sessionkeeperd_zookeeper_ready 1\n",
       }) {
    EXPECT_NE(r.body.find(line), std::string::npos) << line << r.body;
  }
}

TEST_F(DaemonApiTest, MetricsReportTheZooKeeperConnection) {
  const HttpResponse r = Call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Sample(r.body, "sessionkeeperd_zookeeper_connected"), 1);
  EXPECT_EQ(Sample(r.body,
                   "sessionkeeperd_zookeeper_connection_state{state="
                   "\"connected\"}"),
            1);
  EXPECT_EQ(Sample(r.body,
                   "sessionkeeperd_zookeeper_connection_state{state="
                   "\"disconnected\"}"),
            0);
  EXPECT_GE(
      Sample(r.body, "sessionkeeperd_zookeeper_session_generation").value_or(0),
      1);
  EXPECT_NE(r.body.find("sessionkeeperd_zookeeper_server_info{server=\"127."),
            std::string::npos)
      << r.body;
}

TEST_F(DaemonApiTest, MetricsCountCacheHitsOfCachedReads) {
  const std::string id = CreateSession(*daemon_)["id"];
  // The first cached read may fill the cache; the later ones hit it.
  ASSERT_EQ(Call("GET", SessionPath(id)).status, 200);
  const double hits = MetricOf(*daemon_, "sessionkeeperd_cache_hits_total");
  const double misses = MetricOf(*daemon_, "sessionkeeperd_cache_misses_total");
  ASSERT_GE(hits, 0);
  ASSERT_GE(misses, 0);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("GET", SessionPath(id)).status, 200);
  }
  EXPECT_EQ(MetricOf(*daemon_, "sessionkeeperd_cache_hits_total"), hits + 5);
  EXPECT_EQ(MetricOf(*daemon_, "sessionkeeperd_cache_misses_total"), misses);
  EXPECT_GE(MetricOf(*daemon_, "sessionkeeperd_cache_entries"), 1);
  EXPECT_GT(MetricOf(*daemon_, "sessionkeeperd_cache_bytes"), 0);
  // Linearizable reads go to ZooKeeper, never to the cache.
  ASSERT_EQ(Call("GET", SessionPath(id, "?consistency=linearizable")).status,
            200);
  EXPECT_EQ(MetricOf(*daemon_, "sessionkeeperd_cache_hits_total"), hits + 5);
}

TEST_F(DaemonApiTest, MetricsReportMembershipExpiryAndLeases) {
  // A lone daemon owns every bucket (the test daemons have 16) once its
  // membership has settled.
  EXPECT_TRUE(PollUntil(
      [&] {
        return MetricOf(*daemon_, "sessionkeeperd_cluster_members") == 1 &&
               MetricOf(*daemon_, "sessionkeeperd_expiry_owned_buckets") == 16;
      },
      std::chrono::seconds(10)));
  const std::string id = CreateSession(*daemon_, R"({"max_idle_s":1})")["id"];
  EXPECT_TRUE(PollUntil(
      [&] {
        return MetricOf(*daemon_, "sessionkeeperd_sessions_expired_total") == 1;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(Call("GET", SessionPath(id)).status, 404);
  const HttpResponse r = Call("GET", "/metrics");
  for (const char* family :
       {"sessionkeeperd_expiry_scheduled_sessions",
        "sessionkeeperd_leases_held", "sessionkeeperd_leases_acquired_total",
        "sessionkeeperd_leases_contended_total",
        "sessionkeeperd_leases_taken_over_total",
        "sessionkeeperd_leases_lost_total",
        "sessionkeeperd_fenced_writes_rejected_total"}) {
    EXPECT_GE(Sample(r.body, family).value_or(-1), 0) << family;
  }
}

TEST_F(DaemonApiTest, EveryMetricFamilyHasHelpAndType) {
  CreateSession(*daemon_);
  const HttpResponse r = Call("GET", "/metrics");
  std::set<std::string> typed;
  std::set<std::string> helped;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(typed.insert(name).second) << "declared twice: " << name;
    } else {
      ASSERT_FALSE(line.empty());
      std::string name = line.substr(0, line.find_first_of("{ "));
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string base =
            name.size() > std::strlen(suffix)
                ? name.substr(0, name.size() - std::strlen(suffix))
                : "";
        if (name.ends_with(suffix) && typed.contains(base)) {
          name = base;
        }
      }
      EXPECT_TRUE(typed.contains(name)) << "no TYPE before " << line;
    }
  }
  EXPECT_EQ(typed, helped);
  EXPECT_GE(typed.size(), 30U);
}

TEST_F(DaemonApiTest, UnknownRoutesAre404AndWrongMethods405) {
  HttpResponse r = Call("GET", "/v2/sessions");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"], "not_found");
  r = Call("GET", "/v1/sessions");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "POST");
  EXPECT_EQ(r.Json()["error"], "method_not_allowed");
  EXPECT_EQ(Call("PUT", SessionPath("AAAAAAAAAAAAAAAAAAAAAA")).status, 405);
  EXPECT_EQ(Call("BREW", "/v1/sessions").status, 405);
}

TEST_F(DaemonApiTest, IfMatchOnlyOnPatch) {
  const std::string id = CreateSession(*daemon_)["id"];
  EXPECT_EQ(Call("DELETE", SessionPath(id), "", {{"If-Match", "0"}}).status,
            400);
  EXPECT_EQ(Call("GET", SessionPath(id)).status, 200);
}

TEST_F(DaemonApiTest, KeepAliveConnectionsServeManyRequests) {
  const std::string id = CreateSession(*daemon_)["id"];
  std::string pipelined;
  for (int i = 0; i < 3; ++i) {
    pipelined += "GET " + SessionPath(id) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  }
  pipelined += FormatRequest("GET", SessionPath(id));  // Connection: close.
  Result<std::string> all = Exchange(daemon_->address(), pipelined);
  ASSERT_TRUE(all.ok()) << all.status();
  size_t answers = 0;
  for (size_t pos = 0;
       (pos = all->find("HTTP/1.1 200 OK", pos)) != std::string::npos; ++pos) {
    ++answers;
  }
  EXPECT_EQ(answers, 4U) << *all;
}

}  // namespace
}  // namespace sessionkeeper::testing
