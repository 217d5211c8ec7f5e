// SerialExecutor ordering and shutdown.
#include "common/serial_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace sessionkeeper {
namespace {

TEST(SerialExecutorTest, RunsTasksInPostOrderOnItsOwnThread) {
  std::vector<int> seen;
  bool all_on_executor = true;
  {
    SerialExecutor executor("test");
    for (int i = 0; i < 100; ++i) {
      executor.Post([&, i] {
        all_on_executor = all_on_executor && executor.IsCurrentThread();
        seen.push_back(i);
      });
    }
    executor.Drain();
    EXPECT_EQ(seen.size(), 100u);
  }
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_TRUE(all_on_executor);
}

TEST(SerialExecutorTest, DestructionRunsEverythingStillQueued) {
  std::atomic<int> ran{0};
  {
    SerialExecutor executor("test");
    executor.Post([&] {
      // Tasks posted by a task during shutdown still run.
      executor.Post([&] { ++ran; });
      ++ran;
    });
  }
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace sessionkeeper
