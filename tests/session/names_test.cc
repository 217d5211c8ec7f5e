// Attribute names and principals: length limits, strict UTF-8, no controls.
#include "session/names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sessionkeeper::session {
namespace {

// Well-formed and ill-formed UTF-8 shared by both kinds of name.
const std::vector<std::string>& ValidUtf8() {
  static const auto* const kValid = new std::vector<std::string>{
      "cart",
      "user.preferences/theme",
      "caf\xc3\xa9",       // U+00E9, 2 bytes.
      "\xe2\x82\xac",      // U+20AC, 3 bytes.
      "\xef\xbf\xbd",      // U+FFFD.
      "\xf0\x9f\x9b\x92",  // U+1F6D2, 4 bytes.
      "\xf4\x8f\xbf\xbf",  // U+10FFFF, the largest code point.
      "\xc2\x80",          // U+0080: not in the ASCII control range.
      " leading and trailing ",
  };
  return *kValid;
}

const std::vector<std::string>& InvalidUtf8() {
  static const auto* const kInvalid = new std::vector<std::string>{
      "\x80",              // Lone continuation byte.
      "a\xbf",             // Continuation byte after ASCII.
      "\xc3",              // Truncated 2-byte sequence.
      "\xe2\x82",          // Truncated 3-byte sequence.
      "\xf0\x9f\x9b",      // Truncated 4-byte sequence.
      "\xc3(",             // Bad continuation.
      "\xc0\xaf",          // Overlong '/'.
      "\xc1\xbf",          // Overlong.
      "\xe0\x80\xaf",      // Overlong '/' in 3 bytes.
      "\xf0\x80\x80\xaf",  // Overlong '/' in 4 bytes.
      "\xed\xa0\x80",      // Surrogate U+D800.
      "\xed\xbf\xbf",      // Surrogate U+DFFF.
      "\xf4\x90\x80\x80",  // U+110000.
      "\xf5\x80\x80\x80",  // Lead byte beyond U+10FFFF.
      "\xff",
      "\xfe",
  };
  return *kInvalid;
}

const std::vector<std::string>& WithControlCharacters() {
  static const auto* const kControls = new std::vector<std::string>{
      std::string("a\0b", 3), "a\nb", "tab\there", "\x1b[31m", "a\x7f", "\x1f",
  };
  return *kControls;
}

TEST(ValidateAttributeNameTest, AcceptsValidUtf8WithoutControls) {
  for (const std::string& name : ValidUtf8()) {
    EXPECT_TRUE(ValidateAttributeName(name).ok()) << name;
  }
}

TEST(ValidateAttributeNameTest, AcceptsOneTo256Bytes) {
  EXPECT_TRUE(ValidateAttributeName("a").ok());
  EXPECT_TRUE(ValidateAttributeName(std::string(256, 'a')).ok());
}

TEST(ValidateAttributeNameTest, RejectsEmptyAndOver256Bytes) {
  EXPECT_TRUE(ValidateAttributeName("").IsInvalidArgument());
  EXPECT_TRUE(ValidateAttributeName(std::string(257, 'a')).IsInvalidArgument());
}

TEST(ValidateAttributeNameTest, RejectsInvalidUtf8) {
  for (const std::string& name : InvalidUtf8()) {
    EXPECT_TRUE(ValidateAttributeName(name).IsInvalidArgument())
        << testing::PrintToString(name);
  }
}

TEST(ValidateAttributeNameTest, RejectsControlCharacters) {
  for (const std::string& name : WithControlCharacters()) {
    EXPECT_TRUE(ValidateAttributeName(name).IsInvalidArgument())
        << testing::PrintToString(name);
  }
}

TEST(ValidateAttributeNameTest, MessageSaysWhatIsWrongWithoutTheName) {
  const Status status = ValidateAttributeName("secret\n");
  ASSERT_TRUE(status.IsInvalidArgument());
  EXPECT_NE(status.message().find("attribute name"), std::string::npos);
  EXPECT_NE(status.message().find("control"), std::string::npos);
  EXPECT_EQ(status.message().find("secret"), std::string::npos);
}

TEST(ValidatePrincipalTest, AcceptsValidUtf8WithoutControls) {
  for (const std::string& principal : ValidUtf8()) {
    EXPECT_TRUE(ValidatePrincipal(principal).ok()) << principal;
  }
  EXPECT_TRUE(ValidatePrincipal("alice@example.com").ok());
  EXPECT_TRUE(ValidatePrincipal("CN=Alice,O=Example").ok());
}

TEST(ValidatePrincipalTest, AcceptsOneTo1024Bytes) {
  EXPECT_TRUE(ValidatePrincipal("a").ok());
  EXPECT_TRUE(ValidatePrincipal(std::string(1024, 'a')).ok());
}

TEST(ValidatePrincipalTest, RejectsEmptyAndOver1024Bytes) {
  EXPECT_TRUE(ValidatePrincipal("").IsInvalidArgument());
  EXPECT_TRUE(ValidatePrincipal(std::string(1025, 'a')).IsInvalidArgument());
}

TEST(ValidatePrincipalTest, RejectsInvalidUtf8) {
  for (const std::string& principal : InvalidUtf8()) {
    EXPECT_TRUE(ValidatePrincipal(principal).IsInvalidArgument())
        << testing::PrintToString(principal);
  }
}

TEST(ValidatePrincipalTest, RejectsControlCharacters) {
  for (const std::string& principal : WithControlCharacters()) {
    EXPECT_TRUE(ValidatePrincipal(principal).IsInvalidArgument())
        << testing::PrintToString(principal);
  }
}

TEST(ValidatePrincipalTest, MessageSaysWhatIsWrongWithoutThePrincipal) {
  const Status status = ValidatePrincipal("alice\xff");
  ASSERT_TRUE(status.IsInvalidArgument());
  EXPECT_NE(status.message().find("principal"), std::string::npos);
  EXPECT_NE(status.message().find("UTF-8"), std::string::npos);
  EXPECT_EQ(status.message().find("alice"), std::string::npos);
}

}  // namespace
}  // namespace sessionkeeper::session
