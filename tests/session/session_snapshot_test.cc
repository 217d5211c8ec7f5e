// SessionSnapshot: the compact form the cache keeps and GetShared shares.
#include "sessionkeeper/session_snapshot.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace sessionkeeper {
namespace {

Session Sample() {
  Session s;
  s.id = "AAAAAAAAAAAAAAAAAAAAAA";
  s.principal = "alice@example.com";
  s.created_at_ms = 1'700'000'000'000;
  s.last_access_at_ms = 1'700'000'050'000;
  s.max_idle_ms = 1'800'000;
  s.max_lifetime_ms = 86'400'000;
  s.version = 42;
  s.attributes["empty"] = "";
  s.attributes["binary"] = std::string("\0\xff\x80zz", 5);
  // Sizes whose varints take one, two and three bytes.
  s.attributes["v127"] = std::string(127, 'a');
  s.attributes["v128"] = std::string(128, 'b');
  s.attributes["v70000"] = std::string(70000, 'c');
  s.attributes[std::string(256, 'n')] = "long name";
  return s;
}

void ExpectSameSession(const Session& a, const Session& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.principal, b.principal);
  EXPECT_EQ(a.created_at_ms, b.created_at_ms);
  EXPECT_EQ(a.last_access_at_ms, b.last_access_at_ms);
  EXPECT_EQ(a.max_idle_ms, b.max_idle_ms);
  EXPECT_EQ(a.max_lifetime_ms, b.max_lifetime_ms);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.stale, b.stale);
  EXPECT_EQ(a.attributes, b.attributes);
}

TEST(SessionSnapshotTest, HoldsEverythingASessionHolds) {
  const Session original = Sample();
  const SessionSnapshot snapshot(original);
  EXPECT_EQ(snapshot.id(), original.id);
  EXPECT_EQ(snapshot.principal(), original.principal);
  EXPECT_EQ(snapshot.version(), 42);
  EXPECT_FALSE(snapshot.stale());
  EXPECT_EQ(snapshot.expires_at_ms(), original.expires_at_ms());
  ExpectSameSession(snapshot.ToSession(), original);
}

TEST(SessionSnapshotTest, AttributesIterateInNameOrder) {
  const Session original = Sample();
  const SessionSnapshot snapshot(original);
  EXPECT_EQ(snapshot.attributes().size(), original.attributes.size());
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [name, value] : snapshot.attributes()) {
    seen.emplace_back(name, value);
  }
  const std::vector<std::pair<std::string, std::string>> expected(
      original.attributes.begin(), original.attributes.end());
  EXPECT_EQ(seen, expected);
}

TEST(SessionSnapshotTest, FindsAttributesByName) {
  const SessionSnapshot snapshot(Sample());
  EXPECT_EQ(snapshot.FindAttribute("v128"), std::string(128, 'b'));
  EXPECT_EQ(snapshot.FindAttribute("empty"), "");
  EXPECT_EQ(snapshot.FindAttribute(std::string(256, 'n')), "long name");
  // Before the first, between two, after the last, and a prefix.
  EXPECT_EQ(snapshot.FindAttribute("a"), std::nullopt);
  EXPECT_EQ(snapshot.FindAttribute("f"), std::nullopt);
  EXPECT_EQ(snapshot.FindAttribute("zzz"), std::nullopt);
  EXPECT_EQ(snapshot.FindAttribute("v12"), std::nullopt);
  EXPECT_EQ(snapshot.FindAttribute(""), std::nullopt);
}

TEST(SessionSnapshotTest, AnEmptySessionHasNoAttributes) {
  const SessionSnapshot snapshot{Session{}};
  EXPECT_EQ(snapshot.id(), "");
  EXPECT_EQ(snapshot.principal(), "");
  EXPECT_TRUE(snapshot.attributes().empty());
  EXPECT_EQ(snapshot.attributes().begin(), snapshot.attributes().end());
  EXPECT_EQ(snapshot.FindAttribute("x"), std::nullopt);
  ExpectSameSession(snapshot.ToSession(), Session{});
}

TEST(SessionSnapshotTest, CopiesAreIndependentAndMarkedStaleOnRequest) {
  auto original = std::make_unique<SessionSnapshot>(Sample());
  const SessionSnapshot copy(*original);
  const SessionSnapshot stale = original->MarkedStale();
  EXPECT_FALSE(original->stale());
  original.reset();  // The copies own their buffers.
  EXPECT_FALSE(copy.stale());
  EXPECT_TRUE(stale.stale());
  Session expected = Sample();
  ExpectSameSession(copy.ToSession(), expected);
  expected.stale = true;
  ExpectSameSession(stale.ToSession(), expected);
}

TEST(SessionSnapshotTest, ExpiryFollowsTheSessionRuleAndSaturates) {
  Session s;
  s.last_access_at_ms = 1000;
  s.max_idle_ms = 500;
  EXPECT_EQ(SessionSnapshot(s).expires_at_ms(), 1500);
  s.created_at_ms = 0;
  s.max_lifetime_ms = 1200;  // Earlier than the idle deadline.
  EXPECT_EQ(SessionSnapshot(s).expires_at_ms(), 1200);
  EXPECT_TRUE(SessionSnapshot(s).ExpiredAt(1200));
  EXPECT_FALSE(SessionSnapshot(s).ExpiredAt(1199));
  s.max_lifetime_ms = 0;
  s.last_access_at_ms = std::numeric_limits<int64_t>::max() - 1;
  EXPECT_EQ(SessionSnapshot(s).expires_at_ms(),
            std::numeric_limits<int64_t>::max());
}

// What makes the cache small: the strings and a few bytes of lengths, in
// one buffer.
TEST(SessionSnapshotTest, TakesLittleMoreThanItsStrings) {
  Session s;
  s.id = "AAAAAAAAAAAAAAAAAAAAAA";
  size_t strings = s.id.size();
  for (int i = 0; i < 10; ++i) {
    s.attributes["attr" + std::to_string(i)] = std::string(95, 'v');
    strings += 5 + 95;
  }
  const SessionSnapshot snapshot(s);
  EXPECT_EQ(snapshot.MemoryBytes(),
            sizeof(SessionSnapshot) + strings + 2 * 10);  // 1-byte varints.
}

}  // namespace
}  // namespace sessionkeeper
