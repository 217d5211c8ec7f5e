// Two daemons on one ZooKeeper and one root: each sees the other's writes.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/daemon_test_util.h"
#include "support/zk_server.h"

namespace sessionkeeper::testing {
namespace {

using nlohmann::json;

class DaemonClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = Daemon::Start();
    ASSERT_NE(a_, nullptr);
    b_ = Daemon::Start(WithFlags({}, "", a_->root()));
    ASSERT_NE(b_, nullptr);
  }
  std::unique_ptr<Daemon> a_;
  std::unique_ptr<Daemon> b_;
};

TEST_F(DaemonClusterTest,
       AWriteThroughOneIsSeenByALinearizableReadThroughTheOther) {
  const json created = CreateSession(*a_, R"({"attributes":{"n":"0"}})");
  const std::string id = created["id"];
  HttpResponse r =
      Must(b_->Call("GET", SessionPath(id, "?consistency=linearizable")));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json(), created);
  for (int i = 1; i <= 10; ++i) {
    Daemon& writer = i % 2 == 0 ? *a_ : *b_;
    Daemon& reader = i % 2 == 0 ? *b_ : *a_;
    const HttpResponse written =
        Must(writer.Call("PATCH", SessionPath(id),
                         R"({"set":{"n":")" + std::to_string(i) + R"("}})"));
    ASSERT_EQ(written.status, 200);
    // No waiting: the read starts after the write was acknowledged.
    r = Must(reader.Call("GET", SessionPath(id, "?consistency=linearizable")));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.Json()["attributes"]["n"], std::to_string(i));
    EXPECT_EQ(r.Json()["version"], written.Json()["version"]);
  }
}

TEST_F(DaemonClusterTest, ACachedReadThroughTheOtherSeesAWriteWithinASecond) {
  const std::string id =
      CreateSession(*a_, R"({"attributes":{"k":"old"}})")["id"];
  // B caches the session (its reads now hit memory) before A writes.
  ASSERT_EQ(Must(b_->Call("GET", SessionPath(id))).status, 200);
  const double hits = MetricOf(*b_, "sessionkeeperd_cache_hits_total");
  HttpResponse r = Must(b_->Call("GET", SessionPath(id)));
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.Json()["attributes"]["k"], "old");
  ASSERT_EQ(MetricOf(*b_, "sessionkeeperd_cache_hits_total"), hits + 1)
      << "B's read did not come from its cache";

  ASSERT_EQ(
      Must(a_->Call("PATCH", SessionPath(id), R"({"set":{"k":"new"}})")).status,
      200);
  // The deadline runs from A's acknowledgement.
  EXPECT_TRUE(PollUntil(
      [&] {
        const HttpResponse read = Must(b_->Call("GET", SessionPath(id)));
        return read.status == 200 && read.Json()["attributes"]["k"] == "new";
      },
      std::chrono::seconds(1)));
  EXPECT_GE(MetricOf(*b_, "sessionkeeperd_cache_invalidations_total"), 1);
}

TEST_F(DaemonClusterTest, BothDaemonsAreMembersAndSplitTheBuckets) {
  EXPECT_TRUE(PollUntil(
      [&] {
        const double a_owned =
            MetricOf(*a_, "sessionkeeperd_expiry_owned_buckets");
        const double b_owned =
            MetricOf(*b_, "sessionkeeperd_expiry_owned_buckets");
        return MetricOf(*a_, "sessionkeeperd_cluster_members") == 2 &&
               MetricOf(*b_, "sessionkeeperd_cluster_members") == 2 &&
               a_owned > 0 && b_owned > 0 && a_owned + b_owned == 16;
      },
      std::chrono::seconds(10)));
}

TEST_F(DaemonClusterTest, DeleteAndRotateThroughOneAreSeenThroughTheOther) {
  const std::string id = CreateSession(*a_)["id"];
  const HttpResponse rotated =
      Must(b_->Call("POST", SessionPath(id, "/rotate")));
  ASSERT_EQ(rotated.status, 200);
  const std::string new_id = rotated.Json()["id"];
  EXPECT_EQ(Must(a_->Call("GET", SessionPath(id, "?consistency=linearizable")))
                .status,
            404);
  EXPECT_EQ(Must(a_->Call("DELETE", SessionPath(new_id))).status, 204);
  EXPECT_EQ(
      Must(b_->Call("GET", SessionPath(new_id, "?consistency=linearizable")))
          .status,
      404);
}

TEST_F(DaemonClusterTest, ConcurrentPatchesThroughBothDaemonsLoseNoUpdate) {
  const std::string id = CreateSession(*a_)["id"];
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Daemon& d = t % 2 == 0 ? *a_ : *b_;
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name =
            "t" + std::to_string(t) + "_" + std::to_string(i);
        Result<HttpResponse> r = Send(d.address(), "PATCH", SessionPath(id),
                                      R"({"set":{")" + name + R"(":"x"}})");
        if (!r.ok() || r->status != 200) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const HttpResponse r =
      Must(b_->Call("GET", SessionPath(id, "?consistency=linearizable")));
  EXPECT_EQ(r.Json()["attributes"].size(), 4U * kPerThread);
}

}  // namespace
}  // namespace sessionkeeper::testing
