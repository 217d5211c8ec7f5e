// The lease routes of the HTTP contract (acquire, renew, release) and
// fenced writes (X-Lease-Token), against a real sessionkeeperd on a real
// ZooKeeper.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <thread>

#include "server/daemon_test_util.h"

namespace sessionkeeper::testing {
namespace {

using nlohmann::json;

constexpr int64_t kTtlMs = 60000;

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Headers TokenHeader(int64_t token) {
  return {{"X-Lease-Token", std::to_string(token)}};
}

std::string LeaseBody(const std::string& holder, int64_t ttl_ms = kTtlMs) {
  return json{{"holder", holder}, {"ttl_ms", ttl_ms}}.dump();
}

class DaemonLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = Daemon::Start();
    ASSERT_NE(daemon_, nullptr);
    const json created =
        CreateSession(*daemon_, R"({"attributes":{"k":"v0"}})");
    ASSERT_TRUE(created.is_object());
    id_ = created["id"];
  }

  HttpResponse Call(std::string_view method, std::string_view target,
                    std::string_view body = "", const Headers& headers = {}) {
    return Must(daemon_->Call(method, target, body, headers));
  }

  HttpResponse Acquire(const std::string& holder, int64_t ttl_ms = kTtlMs) {
    return Call("POST", SessionPath(id_, "/lease"), LeaseBody(holder, ttl_ms));
  }

  // The token of a lease `holder` just acquired; -1 (test failed) if not.
  int64_t AcquireToken(const std::string& holder) {
    const HttpResponse r = Acquire(holder);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.Json()["token"].get<int64_t>() : -1;
  }

  HttpResponse Renew(int64_t token, int64_t ttl_ms) {
    return Call("POST", SessionPath(id_, "/lease"),
                json{{"ttl_ms", ttl_ms}}.dump(), TokenHeader(token));
  }

  HttpResponse Release(int64_t token) {
    return Call("DELETE",
                SessionPath(id_, "/lease?token=" + std::to_string(token)));
  }

  // The session as stored (a linearizable read); null when it is gone.
  json Stored(const std::string& id) {
    const HttpResponse r =
        Call("GET", SessionPath(id, "?consistency=linearizable"));
    EXPECT_TRUE(r.status == 200 || r.status == 404) << r.body;
    return r.status == 200 ? r.Json() : json();
  }
  json Stored() { return Stored(id_); }

  // A token that was the lease and no longer is: alice's, after she
  // released it and bob took the lease.
  int64_t StaleToken() {
    const int64_t alice = AcquireToken("alice");
    EXPECT_EQ(Release(alice).status, 204);
    EXPECT_GT(AcquireToken("bob"), alice);
    return alice;
  }

  std::unique_ptr<Daemon> daemon_;
  std::string id_;
};

TEST_F(DaemonLeaseTest, AcquireAnswers200WithATokenAndAnExpiryOneTtlAhead) {
  const int64_t before = WallClockMs();
  const HttpResponse r = Acquire("alice");
  const int64_t after = WallClockMs();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  const json doc = r.Json();
  EXPECT_EQ(doc.size(), 2U) << r.body;
  EXPECT_GT(doc["token"].get<int64_t>(), 0);
  EXPECT_GE(doc["expires_at"].get<int64_t>(), before + kTtlMs);
  EXPECT_LE(doc["expires_at"].get<int64_t>(), after + kTtlMs);
}

TEST_F(DaemonLeaseTest, TokensGrowWithEachAcquisition) {
  const int64_t first = AcquireToken("alice");
  ASSERT_EQ(Release(first).status, 204);
  const int64_t second = AcquireToken("bob");
  EXPECT_GT(first, 0);
  EXPECT_GT(second, first);
}

TEST_F(DaemonLeaseTest, ASecondHolderIs409WithTheHolderAndItsExpiry) {
  const HttpResponse first = Acquire("alice");
  ASSERT_EQ(first.status, 200) << first.body;
  const HttpResponse second = Acquire("bob");
  ASSERT_EQ(second.status, 409) << second.body;
  const json doc = second.Json();
  EXPECT_EQ(doc["error"], "lease_held");
  EXPECT_EQ(doc["holder"], "alice");
  EXPECT_EQ(doc["expires_at"], first.Json()["expires_at"]);
  EXPECT_FALSE(doc.contains("token")) << "another holder's token is secret";
}

TEST_F(DaemonLeaseTest, TheSameHolderAcquiringAgainKeepsItsToken) {
  const int64_t token = AcquireToken("alice");
  const HttpResponse again = Acquire("alice");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.Json()["token"], token);
}

TEST_F(DaemonLeaseTest, AcquiringTheLeaseOfAMissingSessionIs404) {
  ASSERT_EQ(Call("DELETE", SessionPath(id_)).status, 204);
  const HttpResponse r = Acquire("alice");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.Json()["error"], "not_found");
}

TEST_F(DaemonLeaseTest, AWriteWithTheCurrentTokenApplies) {
  const int64_t token = AcquireToken("alice");
  const HttpResponse r = Call("PATCH", SessionPath(id_),
                              R"({"set":{"k":"v1"}})", TokenHeader(token));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["attributes"]["k"], "v1");
  EXPECT_EQ(Stored()["attributes"]["k"], "v1");
}

TEST_F(DaemonLeaseTest, ATokenThatWasNeverIssuedIsFenced) {
  const json before = Stored();
  const HttpResponse r = Call("PATCH", SessionPath(id_), R"({"set":{"k":"x"}})",
                              TokenHeader(12345));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.Json()["error"], "fenced");
  EXPECT_EQ(Stored(), before);
}

TEST_F(DaemonLeaseTest, ReleaseAnswers204AndFencesTheTokensWrites) {
  const int64_t token = AcquireToken("alice");
  const HttpResponse released = Release(token);
  EXPECT_EQ(released.status, 204) << released.body;
  EXPECT_TRUE(released.body.empty());
  const json before = Stored();
  const HttpResponse r = Call("PATCH", SessionPath(id_), R"({"set":{"k":"x"}})",
                              TokenHeader(token));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.Json()["error"], "fenced");
  EXPECT_EQ(Stored(), before);
  // The lease is free again.
  EXPECT_EQ(Acquire("bob").status, 200);
}

TEST_F(DaemonLeaseTest, ReleaseWithAWrongTokenIs409AndKeepsTheLease) {
  const int64_t token = AcquireToken("alice");
  const HttpResponse r = Release(token + 1);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.Json()["error"], "fenced");
  EXPECT_EQ(Acquire("bob").Json()["holder"], "alice");
  EXPECT_EQ(Call("PATCH", SessionPath(id_), R"({"set":{"k":"v1"}})",
                 TokenHeader(token))
                .status,
            200);
}

TEST_F(DaemonLeaseTest, ReleasingTwiceIs409) {
  const int64_t token = AcquireToken("alice");
  ASSERT_EQ(Release(token).status, 204);
  const HttpResponse again = Release(token);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.Json()["error"], "fenced");
}

TEST_F(DaemonLeaseTest, RenewalExtendsExpiresAtAndKeepsTheToken) {
  const HttpResponse acquired = Acquire("alice", 10000);
  ASSERT_EQ(acquired.status, 200) << acquired.body;
  const int64_t token = acquired.Json()["token"];
  const int64_t first_expiry = acquired.Json()["expires_at"];
  const HttpResponse renewed = Renew(token, kTtlMs);
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_EQ(renewed.Json()["token"], token);
  // Renewed at or after the acquisition, to 60 s ahead instead of 10 s.
  EXPECT_GE(renewed.Json()["expires_at"].get<int64_t>(),
            first_expiry + kTtlMs - 10000);
  // Contenders see the new expiry.
  EXPECT_EQ(Acquire("bob").Json()["expires_at"], renewed.Json()["expires_at"]);
}

TEST_F(DaemonLeaseTest, ARenewalMayRepeatTheAcquireBody) {
  const int64_t token = AcquireToken("alice");
  const HttpResponse r = Call("POST", SessionPath(id_, "/lease"),
                              LeaseBody("alice"), TokenHeader(token));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["token"], token);
}

TEST_F(DaemonLeaseTest, RenewingALostLeaseIs409Fenced) {
  const int64_t stale = StaleToken();
  const HttpResponse r = Renew(stale, kTtlMs);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.Json()["error"], "fenced");
  // Bob's lease is untouched.
  EXPECT_EQ(Acquire("carol").Json()["holder"], "bob");
}

TEST_F(DaemonLeaseTest, AnExpiredLeaseIsTakenOverAndItsTokenFenced) {
  const HttpResponse alice = Acquire("alice", 200);
  ASSERT_EQ(alice.status, 200) << alice.body;
  const int64_t old_token = alice.Json()["token"];
  // Poll until the TTL has passed and bob takes the lease over.
  HttpResponse bob;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    bob = Acquire("bob");
    if (bob.status == 200) break;
    ASSERT_EQ(bob.status, 409) << bob.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(bob.status, 200) << bob.body;
  EXPECT_GT(bob.Json()["token"].get<int64_t>(), old_token);
  const json before = Stored();
  EXPECT_EQ(Call("PATCH", SessionPath(id_), R"({"set":{"k":"late"}})",
                 TokenHeader(old_token))
                .status,
            409);
  EXPECT_EQ(Stored(), before);
}

TEST_F(DaemonLeaseTest, AMalformedTokenHeaderIs400AndChangesNothing) {
  const int64_t token = AcquireToken("alice");
  const json before = Stored();
  for (const std::string& value :
       {std::string("abc"), std::string("0"), std::string("-1"),
        std::string("+1"), std::to_string(token) + ".0", std::string("0x1"),
        std::string("99999999999999999999")}) {
    const Headers header = {{"X-Lease-Token", value}};
    EXPECT_EQ(
        Call("PATCH", SessionPath(id_), R"({"set":{"k":"x"}})", header).status,
        400)
        << value;
    EXPECT_EQ(Call("POST", SessionPath(id_, "/touch"), "", header).status, 400)
        << value;
    EXPECT_EQ(Call("POST", SessionPath(id_, "/rotate"), "", header).status, 400)
        << value;
    EXPECT_EQ(Call("DELETE", SessionPath(id_), "", header).status, 400)
        << value;
  }
  // Far past ZooKeeper's 32-bit sequence numbers: the library refuses it.
  EXPECT_EQ(Call("PATCH", SessionPath(id_), R"({"set":{"k":"x"}})",
                 TokenHeader(int64_t{1} << 40))
                .status,
            400);
  EXPECT_EQ(Stored(), before);
  EXPECT_EQ(Acquire("bob").Json()["holder"], "alice");
}

TEST_F(DaemonLeaseTest, LeaseRoutesAreLabelledInMetrics) {
  const int64_t token = AcquireToken("alice");
  ASSERT_EQ(Acquire("bob").status, 409);
  ASSERT_EQ(Renew(token, kTtlMs).status, 200);
  ASSERT_EQ(Release(token).status, 204);
  ASSERT_EQ(Call("PATCH", SessionPath(id_), "{}", TokenHeader(token)).status,
            409);
  const HttpResponse page = Call("GET", "/metrics");
  const auto count = [&](const std::string& route, int code) {
    return Sample(page.body, "sessionkeeperd_http_requests_total{route=\"" +
                                 route + "\",code=\"" + std::to_string(code) +
                                 "\"}")
        .value_or(0);
  };
  EXPECT_EQ(count("acquire_lease", 200), 1);
  EXPECT_EQ(count("acquire_lease", 409), 1);
  EXPECT_EQ(count("renew_lease", 200), 1);
  EXPECT_EQ(count("release_lease", 204), 1);
  EXPECT_EQ(count("mutate_session", 409), 1);
  EXPECT_EQ(Sample(page.body, "sessionkeeperd_leases_contended_total"), 1);
  EXPECT_EQ(Sample(page.body, "sessionkeeperd_fenced_writes_rejected_total"),
            1);
}

// The fenced writes: PATCH, touch, DELETE and rotate with X-Lease-Token.
struct FencedWrite {
  const char* name;
  const char* method;
  const char* suffix;
  const char* body;
  int ok_status;
};

// Names the case in test listings (instead of its bytes).
void PrintTo(const FencedWrite& write, std::ostream* out) {
  *out << write.name;
}

class DaemonFencedWriteTest
    : public DaemonLeaseTest,
      public ::testing::WithParamInterface<FencedWrite> {
 protected:
  HttpResponse Write(int64_t token) {
    const FencedWrite& w = GetParam();
    return Call(w.method, SessionPath(id_, w.suffix), w.body,
                TokenHeader(token));
  }
};

TEST_P(DaemonFencedWriteTest, AStaleTokenIs409FencedAndChangesNothing) {
  const int64_t stale = StaleToken();
  const json before = Stored();
  ASSERT_TRUE(before.is_object());
  const HttpResponse r = Write(stale);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.Json()["error"], "fenced");
  EXPECT_EQ(Stored(), before);
}

TEST_P(DaemonFencedWriteTest, TheCurrentTokenApplies) {
  const int64_t token = AcquireToken("alice");
  const json before = Stored();
  const HttpResponse r = Write(token);
  ASSERT_EQ(r.status, GetParam().ok_status) << r.body;
  const json after = Stored();
  const std::string name = GetParam().name;
  if (name == "delete") {
    EXPECT_TRUE(after.is_null());
  } else if (name == "rotate") {
    EXPECT_TRUE(after.is_null());
    EXPECT_EQ(Stored(r.Json()["id"])["attributes"], before["attributes"]);
  } else {
    EXPECT_GT(after["version"].get<int>(), before["version"].get<int>());
    if (name == "patch") {
      EXPECT_EQ(after["attributes"]["k"], "v1");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Writes, DaemonFencedWriteTest,
    ::testing::Values(FencedWrite{"patch", "PATCH", "", R"({"set":{"k":"v1"}})",
                                  200},
                      FencedWrite{"touch", "POST", "/touch", "", 204},
                      FencedWrite{"delete", "DELETE", "", "", 204},
                      FencedWrite{"rotate", "POST", "/rotate", "", 200}),
    [](const ::testing::TestParamInfo<FencedWrite>& write) {
      return std::string(write.param.name);
    });

}  // namespace
}  // namespace sessionkeeper::testing
