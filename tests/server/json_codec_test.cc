// JSON codec: strict parsing of request bodies, exact session documents.
#include "server/json_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sessionkeeper::server {
namespace {

using nlohmann::json;

TEST(JsonCodecTest, ParsesAFullCreateRequest) {
  Result<CreateRequest> r = ParseCreateRequest(
      R"({"principal":"alice","max_idle_s":60,"max_lifetime_s":3600,)"
      R"("attributes":{"cart":"3 items"},"attributes_b64":{"bin":"/wA="}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->principal, "alice");
  EXPECT_EQ(r->max_idle, std::chrono::seconds(60));
  EXPECT_EQ(r->max_lifetime, std::chrono::seconds(3600));
  EXPECT_EQ(r->attributes.at("cart"), "3 items");
  EXPECT_EQ(r->attributes.at("bin"), std::string("\xff\x00", 2));
}

TEST(JsonCodecTest, AnEmptyBodyOrNullsMeanDefaults) {
  for (const char* body :
       {"", "  \n", "{}", R"({"principal":null,"max_idle_s":null})"}) {
    Result<CreateRequest> r = ParseCreateRequest(body);
    ASSERT_TRUE(r.ok()) << body;
    EXPECT_TRUE(r->principal.empty());
    EXPECT_FALSE(r->max_idle.has_value());
  }
}

TEST(JsonCodecTest, RejectsMalformedCreateBodies) {
  for (const char* body : {
           R"({"principal":"a","evil":1})",
           R"({"principal":1})",
           R"({"principal":""})",
           R"({"max_idle_s":-1})",
           R"({"max_idle_s":0})",
           R"({"max_idle_s":1.5})",
           R"({"max_idle_s":"10"})",
           R"({"max_idle_s":1e30})",
           R"({"max_idle_s":99999999999999999999})",
           R"({"max_lifetime_s":-1})",
           R"({"attributes":[]})",
           R"({"attributes":{"a":1}})",
           R"({"attributes":{"a":null}})",
           R"({"attributes_b64":{"a":"not base64!"}})",
           R"({"attributes_b64":{"a":"/w="}})",
           R"({"attributes_b64":{"a":"/x=="}})",
           R"({"attributes":{"a":"x"},"attributes_b64":{"a":"eA=="}})",
           R"({"principal":"a","principal":"b"})",
           R"({"attributes":{"a":"x","a":"y"}})",
           R"([])",
           R"("string")",
           R"(42)",
           R"({"principal":"a"} trailing)",
           R"({"principal":"a",})",
           R"({'principal':'a'})",
           "{\"principal\":\"\xff\"}",
           "{\"principal\":\"a\"/*comment*/}",
       }) {
    Result<CreateRequest> r = ParseCreateRequest(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << body;
  }
}

TEST(JsonCodecTest, EveryTruncationOfAValidBodyIsRejected) {
  const std::string body =
      R"({"principal":"alice","max_idle_s":60,"attributes":{"k":"v"}})";
  for (size_t n = 1; n < body.size(); ++n) {
    EXPECT_FALSE(ParseCreateRequest(body.substr(0, n)).ok()) << n;
    EXPECT_FALSE(ParseMutation(body.substr(0, n)).ok()) << n;
  }
}

TEST(JsonCodecTest, DeepNestingIsRejectedBeforeParsing) {
  const std::string deep(1 << 20, '[');
  Result<CreateRequest> r = ParseCreateRequest(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("deeply"), std::string::npos);
  std::string nested = R"({"set":{"a":)";
  for (int i = 0; i < 100; ++i) nested += "{\"x\":";
  EXPECT_FALSE(ParseMutation(nested).ok());
  // Brackets inside strings do not count.
  EXPECT_TRUE(
      ParseMutation(R"({"set":{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}})")
          .ok());
}

TEST(JsonCodecTest, ParsesMutations) {
  Result<Mutation> m = ParseMutation(
      R"({"set":{"a":"1"},"set_b64":{"b":"AAE="},"remove":["c","c","d"]})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->set.at("a"), "1");
  EXPECT_EQ(m->set.at("b"), std::string("\x00\x01", 2));
  EXPECT_EQ(m->remove, (std::vector<std::string>{"c", "d"}));
  EXPECT_FALSE(m->expected_version.has_value());
}

TEST(JsonCodecTest, RejectsMalformedMutations) {
  for (const char* body : {
           R"({"set":{"a":"1"},"remove":["a"]})",
           R"({"set_b64":{"a":"AA=="},"remove":["a"]})",
           R"({"remove":"a"})",
           R"({"remove":[1]})",
           R"({"set":{"a":true}})",
           R"({"expected_version":3})",
           R"({"set":{"a":"1"},"set":{"b":"2"}})",
       }) {
    EXPECT_FALSE(ParseMutation(body).ok()) << body;
  }
}

TEST(JsonCodecTest, ErrorMessagesDoNotRepeatTheInput) {
  const std::string secret = "s3cr3t-value-do-not-log";
  for (const std::string& body :
       {R"({"attributes":{"a":)" + secret, R"({")" + secret + R"(":1})",
        R"({"attributes_b64":{"a":")" + secret + R"("}})"}) {
    Result<CreateRequest> r = ParseCreateRequest(body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message().find(secret), std::string::npos)
        << r.status();
  }
}

TEST(JsonCodecTest, SessionDocumentHasExactlyTheContractFields) {
  Session s;
  s.id = "CLpmyrClVREg59rSM0E4iA";
  s.principal = "alice";
  s.created_at_ms = 1000;
  s.last_access_at_ms = 5000;
  s.max_idle_ms = 60000;
  s.max_lifetime_ms = 0;
  s.version = 7;
  s.attributes = {{"cart", "3 items"}};
  const json doc = json::parse(SessionToJson(s));
  EXPECT_EQ(doc,
            json::parse(R"({"id":"CLpmyrClVREg59rSM0E4iA","version":7,)"
                        R"("principal":"alice","created_at":1000,)"
                        R"("last_access_at":5000,"expires_at":65000,)"
                        R"("max_idle_s":60,"attributes":{"cart":"3 items"}})"));
}

TEST(JsonCodecTest, BinaryValuesAreAnsweredAsBase64) {
  Session s;
  s.id = "CLpmyrClVREg59rSM0E4iA";
  s.max_idle_ms = 1000;
  s.attributes = {{"text", "héllo"}, {"bin", std::string("\xff\x00\x01", 3)}};
  const json doc = json::parse(SessionToJson(s));
  EXPECT_EQ(doc["principal"], nullptr);
  EXPECT_EQ(doc["attributes"], json::parse(R"({"text":"héllo"})"));
  EXPECT_EQ(doc["attributes_b64"], json::parse(R"({"bin":"/wAB"})"));
}

// The document is written directly, not through a JSON tree: byte for byte
// what the tree's dump gives, for every character that needs an escape, at
// every position relative to the writer's eight-byte scan.
TEST(JsonCodecTest, SessionDocumentIsExactlyWhatAJsonTreeDumps) {
  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control.push_back(static_cast<char>(c));
  std::vector<std::string> values = {"",
                                     "plain",
                                     "quote \" and backslash \\",
                                     every_control,
                                     "del \x7f, h\xc3\xa9llo \xf0\x9f\x98\x80",
                                     "line\u2028separator"};
  for (size_t offset = 0; offset < 20; ++offset) {
    values.push_back(std::string(offset, 'x') + "\"" + std::string(9, 'y'));
    values.push_back(std::string(offset, 'x') + "\n" + std::string(3, 'y'));
  }
  Session s;
  s.id = "CLpmyrClVREg59rSM0E4iA";
  s.principal = "al\"ice\x01";
  s.created_at_ms = -5;
  s.last_access_at_ms = 1700000000123;
  s.max_idle_ms = 1800000;
  s.max_lifetime_ms = 3600000;
  s.version = 2147483647;
  for (size_t i = 0; i < values.size(); ++i) {
    s.attributes["name\t" + std::to_string(i)] = values[i];
  }
  s.attributes["bin"] = std::string("\xff\x00\x01", 3);

  nlohmann::ordered_json tree;
  tree["id"] = s.id;
  tree["version"] = s.version;
  tree["principal"] = s.principal;
  tree["created_at"] = s.created_at_ms;
  tree["last_access_at"] = s.last_access_at_ms;
  tree["expires_at"] = s.expires_at_ms();
  tree["max_idle_s"] = s.max_idle_ms / 1000;
  nlohmann::ordered_json text = nlohmann::ordered_json::object();
  for (const auto& [name, value] : s.attributes) {
    if (name != "bin") text[name] = value;
  }
  tree["attributes"] = text;
  tree["attributes_b64"]["bin"] = "/wAB";
  EXPECT_EQ(SessionToJson(s), tree.dump());
}

TEST(JsonCodecTest, AnAttributeNameThatIsNotUtf8IsReplacedNotDropped) {
  Session s;
  s.id = "CLpmyrClVREg59rSM0E4iA";
  s.attributes = {{"bad\xffname", "v"}, {"good", "w"}};
  const json doc = json::parse(SessionToJson(s));
  EXPECT_EQ(doc["attributes"]["good"], "w");
  EXPECT_EQ(doc["attributes"]["bad\xef\xbf\xbdname"], "v");  // U+FFFD.
}

TEST(JsonCodecTest, EncodesListsAndCounts) {
  EXPECT_EQ(SessionIdsToJson({"a", "b"}), R"({"sessions":["a","b"]})");
  EXPECT_EQ(SessionIdsToJson({}), R"({"sessions":[]})");
  EXPECT_EQ(InvalidatedToJson(3), R"({"invalidated":3})");
}

TEST(JsonCodecTest, EncodesMembers) {
  EXPECT_EQ(MembersToJson({}), R"({"members":[]})");
  EXPECT_EQ(MembersToJson({{"node-a", "127.0.0.1:8080", 1700000000000}}),
            R"({"members":[{"node_id":"node-a","address":"127.0.0.1:8080",)"
            R"("started_at":1700000000000}]})");
}

TEST(JsonCodecTest, EncodesManagerStatsWithTheirFieldNames) {
  ManagerStats stats;
  stats.connection = {"connected", true, 3, "127.0.0.1:2181"};
  stats.cache.hits = 7;
  stats.cache.entries = 2;
  stats.lifecycle.owned_buckets = 16;
  stats.lifecycle.leases_acquired = 4;
  const json doc = json::parse(ManagerStatsToJson(
      "skctl-h-1", stats, {{"node-a", "127.0.0.1:8080", 5}}));
  EXPECT_EQ(doc["node_id"], "skctl-h-1");
  EXPECT_EQ(doc["connection"],
            json::parse(R"({"state":"connected","connected":true,)"
                        R"("generation":3,"server":"127.0.0.1:2181"})"));
  EXPECT_EQ(doc["cache"]["hits"], 7);
  EXPECT_EQ(doc["cache"]["entries"], 2);
  EXPECT_EQ(doc["cache"].size(), 9U);
  EXPECT_EQ(doc["lifecycle"]["owned_buckets"], 16);
  EXPECT_EQ(doc["lifecycle"]["leases_acquired"], 4);
  EXPECT_EQ(doc["lifecycle"].size(), 10U);
  EXPECT_EQ(doc["members"][0]["node_id"], "node-a");
}

TEST(JsonCodecTest, ParsesALeaseRequest) {
  Result<LeaseRequest> r =
      ParseLeaseRequest(R"({"holder":"worker-7","ttl_ms":30000})", false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->holder, "worker-7");
  EXPECT_EQ(r->ttl, std::chrono::milliseconds(30000));
}

TEST(JsonCodecTest, LeaseTtlAndHolderBoundsAreTheLibrarys) {
  const std::string longest(kMaxLeaseHolderBytes, 'h');
  for (const std::string& body :
       {std::string(R"({"holder":"h","ttl_ms":1})"),
        std::string(R"({"holder":"h","ttl_ms":86400000})"),
        R"({"holder":")" + longest + R"(","ttl_ms":1000})",
        std::string(R"({"holder":"élève","ttl_ms":1000})")}) {
    EXPECT_TRUE(ParseLeaseRequest(body, false).ok()) << body;
  }
}

TEST(JsonCodecTest, RejectsMalformedLeaseRequests) {
  const std::string too_long(kMaxLeaseHolderBytes + 1, 'h');
  for (const std::string& body : {
           std::string(""),
           std::string("{}"),
           std::string(R"({"holder":"h"})"),
           std::string(R"({"ttl_ms":1000})"),
           std::string(R"({"holder":"","ttl_ms":1000})"),
           std::string(R"({"holder":null,"ttl_ms":1000})"),
           std::string(R"({"holder":7,"ttl_ms":1000})"),
           R"({"holder":")" + too_long + R"(","ttl_ms":1000})",
           std::string(R"({"holder":"h","ttl_ms":0})"),
           std::string(R"({"holder":"h","ttl_ms":-1})"),
           std::string(R"({"holder":"h","ttl_ms":86400001})"),
           std::string(R"({"holder":"h","ttl_ms":18446744073709551615})"),
           std::string(R"({"holder":"h","ttl_ms":1.5})"),
           std::string(R"({"holder":"h","ttl_ms":"1000"})"),
           std::string(R"({"holder":"h","ttl_ms":1000,"token":1})"),
           std::string(R"({"holder":"h","holder":"i","ttl_ms":1000})"),
           std::string(R"(["h",1000])"),
           std::string(R"({"holder":"h","ttl_ms":1000)"),
       }) {
    Result<LeaseRequest> r = ParseLeaseRequest(body, false);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << body;
  }
}

TEST(JsonCodecTest, ARenewalNeedsOnlyTheTtl) {
  Result<LeaseRequest> r = ParseLeaseRequest(R"({"ttl_ms":5000})", true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->ttl, std::chrono::milliseconds(5000));
  EXPECT_TRUE(ParseLeaseRequest(R"({"holder":"h","ttl_ms":5000})", true).ok());
  EXPECT_TRUE(ParseLeaseRequest("{}", true).status().IsInvalidArgument());
  EXPECT_TRUE(ParseLeaseRequest(R"({"holder":"","ttl_ms":5000})", true)
                  .status()
                  .IsInvalidArgument());
}

TEST(JsonCodecTest, EncodesALeaseAsTokenAndExpiry) {
  EXPECT_EQ(LeaseToJson(Lease{"id", "alice", 12, 1795305971886}),
            R"({"token":12,"expires_at":1795305971886})");
}

}  // namespace
}  // namespace sessionkeeper::server
