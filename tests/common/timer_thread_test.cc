// TimerThread ordering and shutdown: every queued task runs exactly once,
// and nothing posted after Stop() runs or touches the timer's queue (a
// ZooKeeper callback failed by the close that follows Stop() posts retries).
#include "common/timer_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

namespace sessionkeeper {
namespace {

using std::chrono::milliseconds;

TEST(TimerThreadTest, RunsTasksInDueOrder) {
  std::vector<int> seen;
  std::promise<void> last;
  TimerThread timer("test");
  ASSERT_TRUE(timer.RunAfter(milliseconds(30), [&] {
    seen.push_back(2);
    last.set_value();
  }));
  ASSERT_TRUE(timer.RunAfter(milliseconds(0), [&] { seen.push_back(1); }));
  ASSERT_EQ(last.get_future().wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
}

TEST(TimerThreadTest, StopRunsEveryQueuedTaskOnceAtOnce) {
  std::atomic<int> runs{0};
  TimerThread timer("test");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(timer.RunAfter(std::chrono::hours(1), [&] { ++runs; }));
  }
  timer.Stop();
  EXPECT_EQ(runs.load(), 10);
  timer.Stop();  // Idempotent.
  EXPECT_EQ(runs.load(), 10);
}

TEST(TimerThreadTest, RefusesAndNeverRunsTasksPostedAfterStop) {
  std::atomic<int> runs{0};
  TimerThread timer("test");
  timer.Stop();
  EXPECT_FALSE(timer.RunAfter(milliseconds(0), [&] { ++runs; }));
  EXPECT_EQ(runs.load(), 0);
}

TEST(TimerThreadTest, ATaskThatReschedulesDuringStopIsRefused) {
  // A retry loop (task posts itself again) must not keep Stop() running.
  std::atomic<int> runs{0};
  std::atomic<bool> refused{false};
  TimerThread timer("test");
  std::function<void()> retry = [&] {
    ++runs;
    if (!timer.RunAfter(std::chrono::hours(1), retry)) refused = true;
  };
  ASSERT_TRUE(timer.RunAfter(std::chrono::hours(1), retry));
  timer.Stop();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_TRUE(refused.load());
}

}  // namespace
}  // namespace sessionkeeper
