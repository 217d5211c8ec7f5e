// SessionRecord codec: round trips, and DataLoss (never a crash) for any
// bytes that are not a valid record.
#include "store/session_codec.h"

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "session/session_id.h"
#include "session_generated.h"

namespace sessionkeeper::store {
namespace {

namespace fb = ::sessionkeeper::fb;

constexpr std::string_view kValidId = "AAAAAAAAAAAAAAAAAAAAAA";

SessionRecord FullRecord() {
  SessionRecord record;
  record.id = "Zm9vYmFyYmF6cXV4LV9fQQ";
  record.principal = "alice@example.com";
  record.created_at_ms = 1700000000000;
  record.last_access_at_ms = 1700000100000;
  record.max_idle_ms = 1800000;
  record.max_lifetime_ms = 86400000;
  record.attributes = {
      {"cart", "3 items"},
      {"bin", std::string("\x00\x01\x02\xff", 4)},
      {"nul-only", std::string(8, '\0')},
      {"empty", ""},
      {"caf\xc3\xa9", "unicode name"},
  };
  record.last_writer = "node-a";
  record.write_nonce = 0x0123456789abcdefULL;
  return record;
}

SessionRecord MinimalRecord() {
  SessionRecord record;
  record.id = std::string(kValidId);
  record.max_idle_ms = 1;
  return record;
}

void ExpectDataLoss(std::string_view bytes, const std::string& what) {
  const Result<SessionRecord> decoded = DecodeSessionRecord(bytes);
  ASSERT_FALSE(decoded.ok()) << what;
  EXPECT_TRUE(decoded.status().IsDataLoss())
      << what << ": " << decoded.status();
  EXPECT_EQ(decoded.status().message().rfind("session record: ", 0), 0U)
      << decoded.status();
}

std::string Bytes(const flatbuffers::FlatBufferBuilder& builder) {
  return {reinterpret_cast<const char*>(builder.GetBufferPointer()),
          builder.GetSize()};
}

// A record built with the generated API, for shapes EncodeSessionRecord never
// produces. `names` become attributes in the given order, values empty.
std::string RawRecord(const std::vector<std::string>& names) {
  flatbuffers::FlatBufferBuilder builder;
  const auto id = builder.CreateString(kValidId.data(), kValidId.size());
  std::vector<flatbuffers::Offset<fb::Attribute>> attributes;
  attributes.reserve(names.size());
  for (const std::string& name : names) {
    attributes.push_back(
        fb::CreateAttributeDirect(builder, name.c_str(), nullptr));
  }
  const auto vector = builder.CreateVector(attributes);
  fb::SessionRecordBuilder record(builder);
  record.add_format_version(1);
  record.add_id(id);
  record.add_max_idle_ms(1000);
  record.add_attributes(vector);
  fb::FinishSessionRecordBuffer(builder, record.Finish());
  return Bytes(builder);
}

// --- Round trips ---------------------------------------------------------

TEST(SessionCodecTest, RoundTripsEveryField) {
  const SessionRecord record = FullRecord();
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(EncodeSessionRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, record);
}

TEST(SessionCodecTest, RoundTripsBinaryValuesWithNulBytes) {
  SessionRecord record = MinimalRecord();
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes += static_cast<char>(b);
  record.attributes = {{"all", all_bytes},
                       {"nul", std::string(1, '\0')},
                       {"mid", std::string("a\0b\0c", 5)}};
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(EncodeSessionRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->attributes, record.attributes);
}

TEST(SessionCodecTest, RoundTripsManyAttributes) {
  SessionRecord record = MinimalRecord();
  for (int i = 0; i < 5000; ++i) {
    record.attributes["attr-" + std::to_string(i)] =
        std::string(static_cast<size_t>(i % 97), static_cast<char>(i));
  }
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(EncodeSessionRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, record);
}

TEST(SessionCodecTest, TheScratchEncoderWritesTheSameBytesCallAfterCall) {
  // Small, large (past the kept capacity: the buffer is released), small
  // again: each call starts clean whatever the last one left behind.
  SessionRecord large = MinimalRecord();
  for (int i = 0; i < 300; ++i) {
    large.attributes["attr-" + std::to_string(i)] = std::string(1000, 'x');
  }
  for (const SessionRecord& record :
       {FullRecord(), large, MinimalRecord(), large, FullRecord()}) {
    const std::string expected = EncodeSessionRecord(record);
    const std::string_view scratch = EncodeSessionRecordInScratch(record);
    EXPECT_EQ(scratch, expected);
    const Result<SessionRecord> decoded = DecodeSessionRecord(scratch);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->attributes, record.attributes);
  }
}

TEST(SessionCodecTest, RoundTripsARecordWithoutPrincipalOrAttributes) {
  const SessionRecord record = MinimalRecord();
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(EncodeSessionRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, record);
}

TEST(SessionCodecTest, RoundTripsExtremeValues) {
  SessionRecord record = MinimalRecord();
  record.created_at_ms = INT64_MAX;
  record.last_access_at_ms = INT64_MAX;
  record.max_idle_ms = INT64_MAX;
  record.max_lifetime_ms = INT64_MAX;
  record.write_nonce = UINT64_MAX;
  record.principal = std::string(1024, 'p');
  record.attributes[std::string(256, 'n')] = std::string(1 << 20, 'v');
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(EncodeSessionRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, record);
}

TEST(SessionCodecTest, StoresAttributesSortedByName) {
  const std::string bytes = EncodeSessionRecord(FullRecord());
  const fb::SessionRecord* stored = fb::GetSessionRecord(bytes.data());
  ASSERT_NE(stored->attributes(), nullptr);
  std::vector<std::string> names;
  for (const fb::Attribute* attribute : *stored->attributes()) {
    names.push_back(attribute->name()->str());
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  const fb::Attribute* cart = stored->attributes()->LookupByKey("cart");
  ASSERT_NE(cart, nullptr);
  EXPECT_EQ(std::string(cart->value()->begin(), cart->value()->end()),
            "3 items");
}

TEST(SessionCodecTest, EncodedBytesCarryTheFileIdentifier) {
  const std::string bytes = EncodeSessionRecord(FullRecord());
  ASSERT_GE(bytes.size(), 8U);
  EXPECT_EQ(bytes.substr(4, 4), "SKSR");
}

TEST(SessionCodecTest, AlwaysWritesTheCurrentFormatVersion) {
  SessionRecord record = FullRecord();
  record.format_version = 7;
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(EncodeSessionRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->format_version, kSessionFormatVersion);
}

TEST(SessionCodecTest, DecodesARecordFromANewerSchemaVersion) {
  // A later schema appends fields; this build must read the ones it knows.
  flatbuffers::FlatBufferBuilder builder;
  const auto id = builder.CreateString(kValidId.data(), kValidId.size());
  const auto future_text = builder.CreateString("added in version 2");
  const auto name = builder.CreateString("cart");
  const auto value = builder.CreateVector(std::vector<uint8_t>{1, 2, 3});
  const auto attribute_start = builder.StartTable();
  builder.AddOffset(fb::Attribute::VT_NAME, name);
  builder.AddOffset(fb::Attribute::VT_VALUE, value);
  builder.AddElement<uint32_t>(fb::Attribute::VT_VALUE + 2, 99, 0);
  const flatbuffers::Offset<fb::Attribute> attribute(
      builder.EndTable(attribute_start));
  const auto attributes = builder.CreateVector(&attribute, 1);
  fb::SessionRecordBuilder record(builder);
  record.add_format_version(2);
  record.add_id(id);
  record.add_created_at_ms(5);
  record.add_max_idle_ms(1000);
  record.add_attributes(attributes);
  record.add_write_nonce(42);
  builder.AddElement<int64_t>(fb::SessionRecord::VT_WRITE_NONCE + 2, 77, 0);
  builder.AddOffset(fb::SessionRecord::VT_WRITE_NONCE + 4, future_text);
  fb::FinishSessionRecordBuffer(builder, record.Finish());

  const Result<SessionRecord> decoded = DecodeSessionRecord(Bytes(builder));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->format_version, 2U);
  EXPECT_EQ(decoded->id, kValidId);
  EXPECT_EQ(decoded->created_at_ms, 5);
  EXPECT_EQ(decoded->max_idle_ms, 1000);
  EXPECT_EQ(decoded->write_nonce, 42U);
  EXPECT_EQ(decoded->attributes,
            (std::map<std::string, std::string>{{"cart", "\x01\x02\x03"}}));
}

TEST(SessionCodecTest, DecodesFromAMisalignedBuffer) {
  const std::string bytes = EncodeSessionRecord(FullRecord());
  for (size_t shift = 1; shift < 8; ++shift) {
    std::string storage(shift, 'x');
    storage += bytes;
    const std::string_view view = storage;
    const Result<SessionRecord> decoded =
        DecodeSessionRecord(view.substr(shift));
    ASSERT_TRUE(decoded.ok()) << "shift " << shift << ": " << decoded.status();
    EXPECT_EQ(*decoded, FullRecord());
  }
}

// --- Arbitrary bytes -----------------------------------------------------

TEST(SessionCodecTest, EmptyBytesAreDataLoss) {
  ExpectDataLoss("", "empty");
  ExpectDataLoss(std::string_view(), "null view");
}

TEST(SessionCodecTest, RandomBytesAreDataLoss) {
  std::mt19937_64 rng(0x5e5510c0dec);
  std::uniform_int_distribution<size_t> length(0, 4096);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 1000; ++i) {
    std::string bytes(length(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(rng));
    ExpectDataLoss(bytes, "random buffer " + std::to_string(i));
  }
}

TEST(SessionCodecTest, RandomBytesWithTheRightIdentifierAreDataLoss) {
  // Gets past the identifier and length checks into the verifier.
  std::mt19937_64 rng(0xf1a7b0ff);
  std::uniform_int_distribution<size_t> words(2, 1024);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 1000; ++i) {
    std::string bytes(4 * words(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(rng));
    bytes.replace(4, 4, "SKSR");
    ExpectDataLoss(bytes, "random buffer " + std::to_string(i));
  }
}

TEST(SessionCodecTest, EveryTruncationOfAValidRecordIsDataLoss) {
  for (const SessionRecord& record : {FullRecord(), MinimalRecord()}) {
    const std::string bytes = EncodeSessionRecord(record);
    for (size_t length = 0; length < bytes.size(); ++length) {
      // A copy of exactly `length` bytes, so tools like ASan see any read
      // past the end.
      const std::string truncated = bytes.substr(0, length);
      ExpectDataLoss(truncated, "truncated to " + std::to_string(length));
    }
  }
}

TEST(SessionCodecTest, EveryByteCorruptionIsDataLossOrAValidRecord) {
  // A flipped byte may land in a value (still a valid record) or in the
  // structure; either way the result is a record that passes every check,
  // or DataLoss.
  const std::string bytes = EncodeSessionRecord(FullRecord());
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (const int delta : {1, 0x80, 0xff}) {
      std::string corrupt = bytes;
      corrupt[at] =
          static_cast<char>(static_cast<uint8_t>(corrupt[at]) + delta);
      const Result<SessionRecord> decoded = DecodeSessionRecord(corrupt);
      if (!decoded.ok()) {
        ASSERT_TRUE(decoded.status().IsDataLoss()) << decoded.status();
        continue;
      }
      EXPECT_TRUE(session::ValidateSessionId(decoded->id).ok());
      EXPECT_GT(decoded->max_idle_ms, 0);
      EXPECT_GE(decoded->format_version, 1U);
    }
  }
}

TEST(SessionCodecTest, WrongFileIdentifierIsDataLoss) {
  std::string bytes = EncodeSessionRecord(FullRecord());
  bytes.replace(4, 4, "SKMT");  // The meta schema's identifier.
  ExpectDataLoss(bytes, "identifier SKMT");
}

TEST(SessionCodecTest, ZerosWithTheRightIdentifierAreDataLoss) {
  std::string bytes(8 << 20, '\0');
  bytes.replace(4, 4, "SKSR");
  ExpectDataLoss(bytes, "8 MiB of zeros");
}

TEST(SessionCodecTest,
     ABufferTooLargeForFlatBuffersIsDataLossWithoutBeingRead) {
  // 3 GiB of address space that is never touched: decoding must reject it
  // by its size alone.
  constexpr size_t kSize = size_t{3} << 30;
  void* const huge = mmap(nullptr, kSize, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (huge == MAP_FAILED) GTEST_SKIP() << "cannot reserve 3 GiB of addresses";
  ExpectDataLoss(std::string_view(static_cast<const char*>(huge), kSize),
                 "3 GiB");
  munmap(huge, kSize);
}

// --- Well-formed FlatBuffers that break the record's rules --------------

TEST(SessionCodecTest, PathTraversalIdIsDataLoss) {
  SessionRecord record = FullRecord();
  record.id = "../zookeeper";
  ExpectDataLoss(EncodeSessionRecord(record), "id ../zookeeper");
}

TEST(SessionCodecTest, MissingOrMalformedIdIsDataLoss) {
  for (const std::string& id :
       {std::string(""), std::string("a/b"), std::string(22, '\0'),
        std::string("AAAAAAAAAAAAAAAAAAAAAB")}) {
    SessionRecord record = FullRecord();
    record.id = id;
    ExpectDataLoss(EncodeSessionRecord(record), "id");
  }
}

TEST(SessionCodecTest, DuplicateAttributeNamesAreDataLoss) {
  ExpectDataLoss(RawRecord({"cart", "cart"}), "duplicate names");
  ExpectDataLoss(RawRecord({"a", "b", "a"}), "duplicate names, unsorted");
}

TEST(SessionCodecTest, UnsortedButUniqueAttributeNamesDecode) {
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(RawRecord({"b", "a"}));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->attributes.size(), 2U);
}

TEST(SessionCodecTest, InvalidAttributeNameIsDataLoss) {
  ExpectDataLoss(RawRecord({""}), "empty name");
  ExpectDataLoss(RawRecord({"a\nb"}), "control character");
  ExpectDataLoss(RawRecord({std::string(257, 'a')}), "257 bytes");
  SessionRecord record = MinimalRecord();
  record.attributes["\xc0\xaf"] = "x";
  ExpectDataLoss(EncodeSessionRecord(record), "overlong UTF-8");
}

TEST(SessionCodecTest, InvalidPrincipalIsDataLoss) {
  for (const std::string& principal :
       {std::string("alice\n"), std::string("\xff"), std::string(1025, 'p'),
        std::string("a\0b", 3)}) {
    SessionRecord record = FullRecord();
    record.principal = principal;
    ExpectDataLoss(EncodeSessionRecord(record), "principal");
  }
}

TEST(SessionCodecTest, NegativeTimesAreDataLoss) {
  SessionRecord record = FullRecord();
  record.created_at_ms = -1;
  ExpectDataLoss(EncodeSessionRecord(record), "created_at_ms");
  record = FullRecord();
  record.last_access_at_ms = INT64_MIN;
  ExpectDataLoss(EncodeSessionRecord(record), "last_access_at_ms");
  record = FullRecord();
  record.max_lifetime_ms = -1;
  ExpectDataLoss(EncodeSessionRecord(record), "max_lifetime_ms");
  record = FullRecord();
  record.max_idle_ms = -1;
  ExpectDataLoss(EncodeSessionRecord(record), "max_idle_ms");
}

TEST(SessionCodecTest, ZeroMaxIdleIsDataLoss) {
  SessionRecord record = FullRecord();
  record.max_idle_ms = 0;
  ExpectDataLoss(EncodeSessionRecord(record), "max_idle_ms 0");
}

TEST(SessionCodecTest, ZeroMaxLifetimeMeansNoAbsoluteTimeout) {
  SessionRecord record = FullRecord();
  record.max_lifetime_ms = 0;
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(EncodeSessionRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->max_lifetime_ms, 0);
}

TEST(SessionCodecTest, FormatVersionZeroIsDataLoss) {
  flatbuffers::FlatBufferBuilder builder;
  const auto id = builder.CreateString(kValidId.data(), kValidId.size());
  fb::SessionRecordBuilder record(builder);
  record.add_id(id);
  record.add_max_idle_ms(1000);
  fb::FinishSessionRecordBuffer(builder, record.Finish());
  ExpectDataLoss(Bytes(builder), "no format_version");
}

TEST(SessionCodecTest, DataLossMessagesDoNotRevealStoredValues) {
  SessionRecord record = FullRecord();
  record.max_idle_ms = 0;
  const Result<SessionRecord> decoded =
      DecodeSessionRecord(EncodeSessionRecord(record));
  ASSERT_TRUE(decoded.status().IsDataLoss());
  const std::string& message = decoded.status().message();
  EXPECT_EQ(message.find(record.id), std::string::npos) << message;
  EXPECT_EQ(message.find("alice"), std::string::npos) << message;
  EXPECT_EQ(message.find("3 items"), std::string::npos) << message;
}

}  // namespace
}  // namespace sessionkeeper::store
