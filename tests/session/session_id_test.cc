// Session ids: generation, the exact accepted format, buckets and their names.
#include "session/session_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace sessionkeeper::session {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string MustNewId() {
  Result<std::string> id = NewSessionId();
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : std::string();
}

TEST(NewSessionIdTest, TenThousandIdsAreValidDistinctAnd22Characters) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = MustNewId();
    ASSERT_EQ(id.size(), kSessionIdLength);
    ASSERT_EQ(id.find_first_not_of(kAlphabet), std::string::npos) << id;
    ASSERT_TRUE(ValidateSessionId(id).ok()) << id;
    ASSERT_TRUE(seen.insert(id).second) << "duplicate id " << id;
  }
}

TEST(NewSessionIdTest, LastCharacterTakesAllFourCanonicalValues) {
  // The last character carries the final 2 random bits; over many ids all
  // four values show up, and nothing else does.
  std::set<char> last;
  for (int i = 0; i < 1000; ++i) last.insert(MustNewId().back());
  EXPECT_EQ(last, (std::set<char>{'A', 'Q', 'g', 'w'}));
}

TEST(ValidateSessionIdTest, AcceptsTheCanonicalFormat) {
  for (const char* id : {"AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAQ",
                         "AAAAAAAAAAAAAAAAAAAAAg", "AAAAAAAAAAAAAAAAAAAAAw",
                         "abcdefghijklmnopqrs-_w", "0123456789-_ABCDEFGHIQ"}) {
    EXPECT_TRUE(ValidateSessionId(id).ok()) << id;
  }
}

TEST(ValidateSessionIdTest, RejectsPathsEscapesAndWrongLengths) {
  const std::vector<std::string> bad = {
      "",
      "../zookeeper",
      "a/b",
      "%2F",
      "AAAAAAAAAAAAAAAAAAAA/A",   // 22 characters, one a path separator.
      "AAAAAAAAAAAAAAAAAAAA..",   // 22 characters ending in "..".
      "AAAAAAAAAAAAAAAAAAAA%2F",  // Percent-escape.
      "AAAAAAAAAAAAAAAAAAAAA",    // 21.
      "AAAAAAAAAAAAAAAAAAAAAAA",  // 23.
      std::string(1000, 'A'),
      std::string("AAAAAAAAAAAAAAAAAAAA\0A", 22),
      std::string(22, '\0'),
      "AAAAAAAAAAAAAAAAAAAA+A",  // Standard base64, not base64url.
      "AAAAAAAAAAAAAAAAAAAA=A",
      "AAAAAAAAAAAAAAAAAAA A",
      "AAAAAAAAAAAAAAAAAAA\xc3\xa9",  // "é": 22 bytes, 21 characters.
      // U+202E, right-to-left override: hostile on purpose.
      // NOLINTNEXTLINE(misc-misleading-bidirectional)
      "AAAAAAAAAAAAAAAAAAAA\xe2\x80\xae",
  };
  for (const std::string& id : bad) {
    EXPECT_TRUE(ValidateSessionId(id).IsInvalidArgument())
        << testing::PrintToString(id);
  }
}

TEST(ValidateSessionIdTest, RejectsANonCanonicalLastCharacter) {
  // Same 128 bits as "...A", with unused low bits set: a second spelling.
  for (const char last : std::string_view("BCDPRfhvx9_-")) {
    std::string id(kSessionIdLength - 1, 'A');
    id += last;
    EXPECT_TRUE(ValidateSessionId(id).IsInvalidArgument()) << id;
  }
}

TEST(ValidateSessionIdTest, MessageDoesNotEchoMoreThan64BytesOfTheInput) {
  std::string hostile;
  for (int i = 0; hostile.size() < 4096; ++i) {
    hostile += "secret-" + std::to_string(i) + "/../";
  }
  for (const std::string& input :
       {hostile, hostile.substr(0, kSessionIdLength),
        std::string(kSessionIdLength - 1, 'x') + "/"}) {
    const Status status = ValidateSessionId(input);
    ASSERT_TRUE(status.IsInvalidArgument());
    for (size_t at = 0; at + 65 <= input.size(); ++at) {
      ASSERT_EQ(status.message().find(input.substr(at, 65)), std::string::npos);
    }
    EXPECT_LE(status.message().size(), 200U);
  }
}

TEST(SessionBucketTest, IsTheFirstTwoDecodedBytesBigEndianModuloTheCount) {
  // "AAE" decodes to 0x00 0x01; "AQA" to 0x01 0x00; "__8" to 0xff 0xff.
  EXPECT_EQ(SessionBucket("AAAAAAAAAAAAAAAAAAAAAA", 256), 0U);
  EXPECT_EQ(SessionBucket("AAEAAAAAAAAAAAAAAAAAAA", 256), 1U);
  EXPECT_EQ(SessionBucket("AQAAAAAAAAAAAAAAAAAAAA", 256), 0U);
  EXPECT_EQ(SessionBucket("AQAAAAAAAAAAAAAAAAAAAA", 4096), 256U);
  EXPECT_EQ(SessionBucket("__8AAAAAAAAAAAAAAAAAAA", 256), 255U);
  EXPECT_EQ(SessionBucket("__8AAAAAAAAAAAAAAAAAAA", 4096), 4095U);
  EXPECT_EQ(SessionBucket("__8AAAAAAAAAAAAAAAAAAA", 1000), 65535U % 1000);
  EXPECT_EQ(SessionBucket("__8AAAAAAAAAAAAAAAAAAA", 1), 0U);
}

TEST(SessionBucketTest, StaysInRangeForEveryAllowedCount) {
  const std::string id = MustNewId();
  for (uint32_t count = kMinBucketCount; count <= kMaxBucketCount; ++count) {
    ASSERT_LT(SessionBucket(id, count), count);
  }
}

TEST(SessionBucketTest, ClampsCountsOutsideTheAllowedRange) {
  EXPECT_EQ(SessionBucket("__8AAAAAAAAAAAAAAAAAAA", 0), 0U);
  EXPECT_EQ(SessionBucket("__8AAAAAAAAAAAAAAAAAAA", 1U << 20), 4095U);
}

TEST(SessionBucketTest, NeverReadsPastAShortOrInvalidInput) {
  for (const char* bad : {"", "A", "/", "..", "\xff\xff\xff"}) {
    EXPECT_LT(SessionBucket(bad, 256), 256U);
  }
}

TEST(SessionBucketTest, SpreadsEvenlyOver256Buckets) {
  constexpr int kIds = 100000;
  constexpr uint32_t kBuckets = 256;
  std::vector<int> counts(kBuckets, 0);
  for (int i = 0; i < kIds; ++i) {
    const uint32_t bucket = SessionBucket(MustNewId(), kBuckets);
    ASSERT_LT(bucket, kBuckets);
    ++counts[bucket];
  }
  // Mean 390.6, standard deviation about 20: +-30% is about 6 sigma.
  const double mean = static_cast<double>(kIds) / kBuckets;
  for (uint32_t b = 0; b < kBuckets; ++b) {
    EXPECT_GE(counts[b], mean * 0.7) << "bucket " << b;
    EXPECT_LE(counts[b], mean * 1.3) << "bucket " << b;
  }
}

TEST(BucketNameTest, IsLowercaseHexPaddedToTheWidthOfTheLargestBucket) {
  EXPECT_EQ(BucketName(0, 256), "00");
  EXPECT_EQ(BucketName(15, 256), "0f");
  EXPECT_EQ(BucketName(255, 256), "ff");
  EXPECT_EQ(BucketName(0, 4096), "000");
  EXPECT_EQ(BucketName(255, 4096), "0ff");
  EXPECT_EQ(BucketName(4095, 4096), "fff");
  EXPECT_EQ(BucketName(0, 1), "0");
  EXPECT_EQ(BucketName(9, 16), "9");
  EXPECT_EQ(BucketName(10, 16), "a");
  EXPECT_EQ(BucketName(16, 17), "10");
  EXPECT_EQ(BucketName(5, 17), "05");
  EXPECT_EQ(BucketName(999, 1000), "3e7");
}

TEST(BucketNameTest, AllNamesOfACountHaveTheSameWidthAndSortLikeNumbers) {
  for (const uint32_t count : {1U, 16U, 17U, 256U, 257U, 4096U}) {
    std::string previous;
    for (uint32_t b = 0; b < count; ++b) {
      const std::string name = BucketName(b, count);
      ASSERT_EQ(name.size(), BucketName(count - 1, count).size());
      ASSERT_LT(previous, name);
      previous = name;
    }
  }
}

}  // namespace
}  // namespace sessionkeeper::session
