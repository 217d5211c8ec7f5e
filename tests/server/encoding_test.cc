// Base64, UTF-8, If-Match, listen addresses and token checks.
#include <gtest/gtest.h>

#include "common/utf8.h"
#include "server/auth.h"
#include "server/base64.h"
#include "server/listen_address.h"
#include "server/service.h"

namespace sessionkeeper::server {
namespace {

TEST(Base64Test, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 300; ++n) {
    const std::string encoded = Base64Encode(bytes);
    EXPECT_EQ(encoded.size() % 4, 0U);
    EXPECT_EQ(Base64Decode(encoded), bytes);
    bytes.push_back(static_cast<char>(n * 37));
  }
  EXPECT_EQ(Base64Encode("\xff"), "/w==");
}

TEST(Base64Test, DecodingIsStrict) {
  for (const char* bad : {"A", "AA", "AAA", "A===", "/x==", "AB=A", "AA A",
                          "AA\nA", "AA-_", "=AAA", "AA==AAAA"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Utf8Test, AcceptsWellFormedAndRejectsTheRest) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // Surrogate.
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // Above U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // Truncated.
}

// Long ASCII runs are checked eight bytes at a time: a bad byte (or a good
// multi-byte sequence) at any offset, near a word's edge or not, counts.
TEST(Utf8Test, ChecksEveryOffsetAroundWordBoundaries) {
  for (size_t offset = 0; offset < 24; ++offset) {
    const std::string before(offset, 'a');
    const std::string after(offset % 11, 'b');
    EXPECT_FALSE(IsValidUtf8(before + "\xff" + after)) << offset;
    EXPECT_FALSE(IsValidUtf8(before + "\xe2\x82" + after)) << offset;
    EXPECT_FALSE(IsValidUtf8(before + "\x80" + after)) << offset;
    EXPECT_TRUE(IsValidUtf8(before + "\xc3\xa9" + after)) << offset;
    EXPECT_TRUE(IsValidUtf8(before + "\xf0\x9f\x98\x80" + after)) << offset;
  }
}

TEST(IfMatchTest, AcceptsOneVersionQuotedOrNot) {
  EXPECT_FALSE(ParseIfMatch(std::nullopt)->has_value());
  EXPECT_EQ(ParseIfMatch(std::string("3"))->value(), 3);
  EXPECT_EQ(ParseIfMatch(std::string("\"3\""))->value(), 3);
  EXPECT_EQ(ParseIfMatch(std::string(" 0 "))->value(), 0);
  for (const char* bad : {"", "*", "W/\"3\"", "1,2", "-1", "abc", "3.0",
                          "99999999999", "2147483648", "\"3"}) {
    EXPECT_FALSE(ParseIfMatch(std::string(bad)).ok()) << bad;
  }
}

TEST(ListenAddressTest, ParsesNumericHostsAndPorts) {
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:8080").ok());
  ASSERT_TRUE(ParseListenAddress("0.0.0.0:0").ok());
  ASSERT_TRUE(ParseListenAddress("[::1]:80").ok());
  Result<ListenAddress> a = ParseListenAddress("127.0.0.1:8080");
  EXPECT_EQ(FormatAddress(reinterpret_cast<const sockaddr*>(&a->addr)),
            "127.0.0.1:8080");
  for (const char* bad : {"", "8080", ":8080", "localhost:80", "1.2.3.4",
                          "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "::1:80",
                          "[::1]", "1.2.3.4:8o"}) {
    EXPECT_FALSE(ParseListenAddress(bad).ok()) << bad;
  }
}

TEST(AuthTest, MatchesOnlyTheExactBearerToken) {
  const std::string token = "0123456789abcdef";
  EXPECT_TRUE(BearerTokenMatches("Bearer 0123456789abcdef", token));
  EXPECT_TRUE(BearerTokenMatches("bearer 0123456789abcdef", token));
  EXPECT_FALSE(BearerTokenMatches(nullptr, token));
  EXPECT_FALSE(BearerTokenMatches("", token));
  EXPECT_FALSE(BearerTokenMatches("0123456789abcdef", token));
  EXPECT_FALSE(BearerTokenMatches("Basic 0123456789abcdef", token));
  EXPECT_FALSE(BearerTokenMatches("Bearer 0123456789abcdeF", token));
  EXPECT_FALSE(BearerTokenMatches("Bearer 0123456789abcde", token));
  EXPECT_FALSE(BearerTokenMatches("Bearer 0123456789abcdef0", token));
  EXPECT_FALSE(BearerTokenMatches("Bearer ", ""));
}

}  // namespace
}  // namespace sessionkeeper::server
