// JSON codec: strict parsing of request bodies, exact session documents.
#include "server/json_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

TEST(JsonCodecTest, EncodesListsAndCounts) {
  EXPECT_EQ(SessionIdsToJson({"a", "b"}), R"({"sessions":["a","b"]})");
  EXPECT_EQ(SessionIdsToJson({}), R"({"sessions":[]})");
  EXPECT_EQ(InvalidatedToJson(3), R"({"invalidated":3})");
}

}  // namespace
}  // namespace sessionkeeper::server
