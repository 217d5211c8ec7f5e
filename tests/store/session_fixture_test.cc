// Schema evolution guard: tests/data/session_record_v1.bin was written once by
// the first schema version (tests/data/make_session_fixture.cc) and must
// decode, field for field, in every later build.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "store/session_codec.h"

namespace sessionkeeper::store {
namespace {

std::string ReadFixture() {
  const std::string path =
      std::string(SK_TEST_DATA_DIR) + "/session_record_v1.bin";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(SessionFixtureTest, Version1RecordDecodesWithEveryFieldIntact) {
  const Result<SessionRecord> decoded = DecodeSessionRecord(ReadFixture());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const SessionRecord& record = *decoded;
  EXPECT_EQ(record.format_version, 1U);
  EXPECT_EQ(record.id, "AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(record.principal, "alice@example.com");
  EXPECT_EQ(record.created_at_ms, 1700000000000);
  EXPECT_EQ(record.last_access_at_ms, 1700000100000);
  EXPECT_EQ(record.max_idle_ms, 1800000);
  EXPECT_EQ(record.max_lifetime_ms, 86400000);
  EXPECT_EQ(record.attributes, (std::map<std::string, std::string>{
                                   {"bin", std::string("\x00\x01\x02\xff", 4)},
                                   {"cart", "3 items"}}));
  EXPECT_EQ(record.last_writer, "node-a");
  EXPECT_EQ(record.write_nonce, 0x0123456789abcdefULL);
}

}  // namespace
}  // namespace sessionkeeper::store
