// MutationBatcher on its own: a recording RunBatch stands in for the write,
// so each test decides when a batch finishes. (Batching against ZooKeeper
// is covered by SessionManagerTest's concurrent writes.)
#include "session/mutation_batcher.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace sessionkeeper::session {
namespace {

struct RecordedBatch {
  std::string id;
  std::vector<std::string> values;  // Of the "n" attribute, in batch order.
  std::function<void()> finished;
};

class MutationBatcherTest : public ::testing::Test {
 protected:
  explicit MutationBatcherTest(size_t max_batch = 256)
      : batcher_(
            [this](const std::string& id,
                   std::vector<MutationBatcher::Item> batch,
                   std::function<void()> finished) {
              RecordedBatch recorded{id, {}, std::move(finished)};
              for (auto& item : batch) {
                recorded.values.push_back(item.mutation.set["n"]);
                item.done(Session{});
              }
              batches_.push_back(std::move(recorded));
            },
            max_batch) {}

  void Add(const std::string& id, const std::string& value) {
    Mutation m;
    m.set["n"] = value;
    batcher_.Add(id, {std::move(m), [this](const Result<Session>& r) {
                        EXPECT_TRUE(r.ok());
                        ++answered_;
                      }});
  }

  // Finishes batch `index`: the batcher starts the session's next one.
  void Finish(size_t index) {
    std::function<void()> finished = std::move(batches_.at(index).finished);
    ASSERT_TRUE(finished) << "batch " << index << " finished twice";
    finished();
  }

  std::vector<RecordedBatch> batches_;
  int answered_ = 0;
  MutationBatcher batcher_;
};

TEST_F(MutationBatcherTest, AnIdleSessionsCallRunsAtOnceAlone) {
  Add("s1", "a");
  ASSERT_EQ(batches_.size(), 1u);
  EXPECT_EQ(batches_[0].id, "s1");
  EXPECT_EQ(batches_[0].values, std::vector<std::string>{"a"});
  EXPECT_EQ(answered_, 1);
}

TEST_F(MutationBatcherTest, CallsArrivingMeanwhileMergeIntoTheNextBatch) {
  Add("s1", "a");
  Add("s1", "b");
  Add("s1", "c");
  ASSERT_EQ(batches_.size(), 1u) << "a second write started while one flew";
  Finish(0);
  ASSERT_EQ(batches_.size(), 2u);
  EXPECT_EQ(batches_[1].id, "s1");
  EXPECT_EQ(batches_[1].values, (std::vector<std::string>{"b", "c"}));
  Finish(1);
  EXPECT_EQ(batches_.size(), 2u) << "nothing was waiting";
  // Idle again: the next call runs at once.
  Add("s1", "d");
  ASSERT_EQ(batches_.size(), 3u);
  EXPECT_EQ(batches_[2].values, std::vector<std::string>{"d"});
  EXPECT_EQ(answered_, 4);
}

TEST_F(MutationBatcherTest, SessionsDoNotWaitForEachOther) {
  Add("s1", "a");
  Add("s2", "b");
  Add("s1", "c");
  ASSERT_EQ(batches_.size(), 2u);
  EXPECT_EQ(batches_[1].id, "s2");
  Finish(1);  // s2 done: s1's waiting call stays until s1's batch ends.
  EXPECT_EQ(batches_.size(), 2u);
  Finish(0);
  ASSERT_EQ(batches_.size(), 3u);
  EXPECT_EQ(batches_[2].id, "s1");
  EXPECT_EQ(batches_[2].values, std::vector<std::string>{"c"});
}

class SmallBatchTest : public MutationBatcherTest {
 protected:
  SmallBatchTest() : MutationBatcherTest(/*max_batch=*/2) {}
};

TEST_F(SmallBatchTest, MoreWaitingThanABatchHoldsGoOutInOrder) {
  Add("s1", "0");
  for (const char* v : {"1", "2", "3", "4", "5"}) {
    Add("s1", v);
  }
  Finish(0);
  ASSERT_EQ(batches_.size(), 2u);
  EXPECT_EQ(batches_[1].values, (std::vector<std::string>{"1", "2"}));
  Add("s1", "6");  // Queues behind what is still waiting.
  Finish(1);
  ASSERT_EQ(batches_.size(), 3u);
  EXPECT_EQ(batches_[2].values, (std::vector<std::string>{"3", "4"}));
  Finish(2);
  ASSERT_EQ(batches_.size(), 4u);
  EXPECT_EQ(batches_[3].values, (std::vector<std::string>{"5", "6"}));
  Finish(3);
  EXPECT_EQ(batches_.size(), 4u);
  EXPECT_EQ(answered_, 7);
}

}  // namespace
}  // namespace sessionkeeper::session
