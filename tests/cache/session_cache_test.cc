// SessionCache as a data structure: validity, ordering, bounds, counters.
#include "cache/session_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace sessionkeeper::cache {
namespace {

CachedSession Value(const std::string& id, int64_t czxid, int64_t mzxid,
                    size_t payload = 10) {
  Session session;
  session.id = id;
  session.attributes["a"] = std::string(payload, 'x');
  return {SessionSnapshot(session), czxid, mzxid, 1};
}

SessionCache::Options Small(size_t entries, size_t bytes = 1 << 30) {
  SessionCache::Options o;
  o.max_entries = entries;
  o.max_bytes = bytes;
  return o;
}

TEST(SessionCacheTest, AWatchedEntryIsAHitAndAnUnwatchedOneAMiss) {
  SessionCache cache(Small(100));
  cache.Insert("a", Value("a", 1, 1), /*watched=*/true, nullptr);
  const uint64_t token = cache.Insert("b", Value("b", 2, 2), false, nullptr);
  EXPECT_EQ(cache.Find("a").state, SessionCache::State::kHit);
  EXPECT_EQ(cache.Find("b").state, SessionCache::State::kMiss);
  cache.MarkWatched("b", token + 1000);  // Someone else's token: ignored.
  EXPECT_EQ(cache.Find("b").state, SessionCache::State::kMiss);
  cache.MarkWatched("b", token);
  EXPECT_EQ(cache.Find("b").state, SessionCache::State::kHit);
  EXPECT_EQ(cache.Find("nope").state, SessionCache::State::kMiss);
}

TEST(SessionCacheTest, AnOlderCopyNeverReplacesANewerOne) {
  SessionCache cache(Small(100));
  cache.Insert("a", Value("a", 1, 5), true, nullptr);
  EXPECT_EQ(cache.Insert("a", Value("a", 1, 4), true, nullptr), 0u);
  EXPECT_EQ(cache.Find("a").entry->mzxid, 5);
  EXPECT_NE(cache.Insert("a", Value("a", 1, 6), true, nullptr), 0u);
  EXPECT_EQ(cache.Find("a").entry->mzxid, 6);
}

TEST(SessionCacheTest, ARecreatedNodeReplacesTheOldOneWhateverItsMzxid) {
  SessionCache cache(Small(100));
  cache.Insert("a", Value("a", 1, 50), true, nullptr);
  // Deleted and created again: a new czxid, and a mzxid that may compare
  // either way with the old one's in a naive check.
  EXPECT_NE(cache.Insert("a", Value("a", 60, 60), true, nullptr), 0u);
  EXPECT_EQ(cache.Find("a").entry->czxid, 60);
}

TEST(SessionCacheTest, EntriesAreBoundedAndEvictedIdsReported) {
  SessionCache cache(Small(10));
  std::vector<std::string> evicted;
  for (int i = 0; i < 30; ++i) {
    const std::string id = "s" + std::to_string(i);
    cache.Insert(id, Value(id, i + 1, i + 1), true, &evicted);
  }
  EXPECT_LE(cache.stats().entries, 10u);
  EXPECT_EQ(evicted.size(), 30u - cache.stats().entries);
  EXPECT_EQ(cache.stats().evictions, evicted.size());
  for (const auto& id : evicted) {
    EXPECT_EQ(cache.Find(id).state, SessionCache::State::kMiss) << id;
  }
}

TEST(SessionCacheTest, BytesAreBounded) {
  SessionCache cache(Small(1000, 20 * 1024));
  for (int i = 0; i < 100; ++i) {
    const std::string id = "s" + std::to_string(i);
    cache.Insert(id, Value(id, i + 1, i + 1, 1024), true, nullptr);
  }
  EXPECT_LE(cache.stats().bytes, 20u * 1024);
  EXPECT_GT(cache.stats().entries, 0u);
}

// A replacement updates the entry in place: one entry, its bytes counted
// once, the new copy served, the old snapshot still valid for its holder,
// and eviction still finds it.
TEST(SessionCacheTest, ReplacingAnEntryKeepsTheAccountsRight) {
  SessionCache cache(Small(2));
  cache.Insert("a", Value("a", 1, 1, 100), true, nullptr);
  std::shared_ptr<const CachedSession> first = cache.Find("a").entry;
  const uint64_t one_entry = cache.stats().bytes;
  for (int64_t mzxid = 2; mzxid < 500; ++mzxid) {
    ASSERT_NE(cache.Insert("a", Value("a", 1, mzxid, 100), true, nullptr), 0u);
  }
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, one_entry);
  EXPECT_EQ(cache.Find("a").entry->mzxid, 499);
  EXPECT_EQ(first->mzxid, 1);
  EXPECT_EQ(first->snapshot.FindAttribute("a"), std::string(100, 'x'));

  cache.Insert("a", Value("a", 1, 500, 1000), false, nullptr);
  EXPECT_EQ(cache.Find("a").state, SessionCache::State::kMiss);  // Unwatched.
  EXPECT_GT(cache.stats().bytes, one_entry);

  std::vector<std::string> evicted;
  cache.Insert("b", Value("b", 2, 2), true, &evicted);
  cache.Insert("c", Value("c", 3, 3), true, &evicted);
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_EQ(cache.stats().evictions, 1u);
}

TEST(SessionCacheTest, RecentlyReadEntriesGetASecondChance) {
  SessionCache cache(Small(4));  // Small enough for a single shard.
  const std::vector<std::string> first{"a", "b", "c", "d"};
  for (const std::string& id : first) {
    cache.Insert(id, Value(id, 1, 1), true, nullptr);
  }
  std::vector<std::string> evicted;
  // Every entry was just inserted (referenced): one sweep clears them all,
  // then one of them goes, never the entry being inserted.
  cache.Insert("e", Value("e", 1, 1), true, &evicted);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_NE(std::find(first.begin(), first.end(), evicted[0]), first.end())
      << evicted[0];
  // The three others are read again; e is not, so e is the one to go.
  for (const std::string& id : first) {
    if (id != evicted[0]) cache.Find(id);
  }
  evicted.clear();
  cache.Insert("f", Value("f", 1, 1), true, &evicted);
  EXPECT_EQ(evicted, std::vector<std::string>{"e"});
}

TEST(SessionCacheTest, AnEntryOverTheBoundsAloneIsEvictedToo) {
  SessionCache cache(Small(100, 64));  // One shard of 64 bytes.
  std::vector<std::string> evicted;
  cache.Insert("big", Value("big", 1, 1, 4096), true, &evicted);
  EXPECT_EQ(evicted, std::vector<std::string>{"big"});
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(SessionCacheTest, AnEntryWhoseSnapshotHasAnotherIdIsNotCached) {
  SessionCache cache(Small(100));
  EXPECT_EQ(cache.Insert("a", Value("b", 1, 1), true, nullptr), 0u);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(SessionCacheTest, AfterAReconnectEntriesNeedRevalidationUntilVouchedFor) {
  SessionCache cache(Small(100));
  cache.Insert("a", Value("a", 1, 1), true, nullptr);
  cache.BeginRevalidation();
  SessionCache::Lookup lookup = cache.Find("a");
  ASSERT_EQ(lookup.state, SessionCache::State::kNeedsRevalidation);
  cache.MarkRevalidated("a", lookup.token);
  EXPECT_EQ(cache.Find("a").state, SessionCache::State::kHit);
  // Entries filled after the reconnect are current at once.
  cache.Insert("b", Value("b", 2, 2), true, nullptr);
  EXPECT_EQ(cache.Find("b").state, SessionCache::State::kHit);
}

TEST(SessionCacheTest, InvalidateAndClearDropEntriesAndCountThem) {
  SessionCache cache(Small(100));
  cache.Insert("a", Value("a", 1, 1), true, nullptr);
  cache.Insert("b", Value("b", 2, 2), true, nullptr);
  EXPECT_TRUE(cache.Invalidate("a"));
  EXPECT_FALSE(cache.Invalidate("a"));
  EXPECT_EQ(cache.stats().invalidations, 1u);
  cache.Clear();
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
  EXPECT_EQ(cache.Find("b").state, SessionCache::State::kMiss);
}

}  // namespace
}  // namespace sessionkeeper::cache
