// SessionLock: one request at a time per session, a wait that fails
// clearly, and no write once the lock is lost.
#include "sessionkeeper/session_lock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sessionkeeper/clock.h"
#include "sessionkeeper/session_manager.h"
#include "support/managers.h"
#include "support/zk_server.h"

namespace sessionkeeper {
namespace {

using ::sessionkeeper::testing::ManagerOptions;
using ::sessionkeeper::testing::OpenManager;
using ::sessionkeeper::testing::UniqueTestPath;
using std::chrono::milliseconds;

class SessionLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string root = UniqueTestPath("lock");
    a_ = OpenManager(ManagerOptions(root));
    b_ = OpenManager(ManagerOptions(root));
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    Result<Session> created = a_->Create({});
    ASSERT_TRUE(created.ok()) << created.status();
    id_ = created->id;
  }

  std::unique_ptr<SessionManager> a_;
  std::unique_ptr<SessionManager> b_;
  std::string id_;
};

TEST_F(SessionLockTest, ConcurrentRequestsRunOneAtATime) {
  // Each "request" locks, reads a counter, writes it plus one. Without
  // mutual exclusion, increments would be lost (read-modify-write races
  // that version checks alone do not stop: each write is a valid write).
  constexpr int kRequests = 12;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::vector<std::future<Status>> requests;
  for (int i = 0; i < kRequests; ++i) {
    SessionManager* manager = i % 2 == 0 ? a_.get() : b_.get();
    requests.push_back(std::async(std::launch::async, [&, manager] {
      SessionLock::Options options;
      options.wait_timeout = milliseconds(30000);
      Result<std::unique_ptr<SessionLock>> lock =
          SessionLock::Acquire(*manager, id_, options);
      if (!lock.ok()) return lock.status();
      if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
      Result<Session> now = (*lock)->Get(ReadConsistency::kLinearizable);
      if (!now.ok()) return now.status();
      const int count = now->attributes.count("n") != 0
                            ? std::stoi(now->attributes.at("n"))
                            : 0;
      Mutation increment;
      increment.set["n"] = std::to_string(count + 1);
      Result<Session> written = (*lock)->Mutate(increment);
      inside.fetch_sub(1);
      return written.status();
    }));
  }
  for (auto& r : requests) EXPECT_TRUE(r.get().ok());
  EXPECT_EQ(overlaps.load(), 0);
  Result<Session> final_state = a_->Get(id_, ReadConsistency::kLinearizable);
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ(final_state->attributes.at("n"), std::to_string(kRequests));
}

TEST_F(SessionLockTest, AWaitThatRunsOutFailsClearlyAndNeverProceeds) {
  Result<std::unique_ptr<SessionLock>> held = SessionLock::Acquire(*a_, id_);
  ASSERT_TRUE(held.ok()) << held.status();
  SessionLock::Options options;
  options.wait_timeout = milliseconds(300);
  Result<std::unique_ptr<SessionLock>> second =
      SessionLock::Acquire(*b_, id_, options);
  ASSERT_TRUE(second.status().IsDeadlineExceeded()) << second.status();
  EXPECT_NE(second.status().message().find((*held)->lease().holder),
            std::string::npos)
      << "names the holder: " << second.status();
}

TEST_F(SessionLockTest, TheNextRequestGetsTheLockWhenTheFirstEnds) {
  auto first = std::make_unique<Result<std::unique_ptr<SessionLock>>>(
      SessionLock::Acquire(*a_, id_));
  ASSERT_TRUE(first->ok());
  std::promise<void> waiting;
  std::future<Result<std::unique_ptr<SessionLock>>> second =
      std::async(std::launch::async, [&] {
        SessionLock::Options options;
        options.wait_timeout = milliseconds(20000);
        waiting.set_value();
        return SessionLock::Acquire(*b_, id_, options);
      });
  waiting.get_future().wait();
  first.reset();  // The first request ends: its lock is released.
  Result<std::unique_ptr<SessionLock>> got = second.get();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE((*got)->Touch().ok());
}

TEST_F(SessionLockTest, InvalidateThroughTheLockEndsBoth) {
  Result<std::unique_ptr<SessionLock>> lock = SessionLock::Acquire(*a_, id_);
  ASSERT_TRUE(lock.ok());
  ASSERT_TRUE((*lock)->Invalidate().ok());
  EXPECT_TRUE(
      b_->Get(id_, ReadConsistency::kLinearizable).status().IsNotFound());
  EXPECT_TRUE(SessionLock::Acquire(*b_, id_).status().IsNotFound());
}

TEST_F(SessionLockTest, AMissingSessionCannotBeLocked) {
  EXPECT_TRUE(SessionLock::Acquire(*a_, "AAAAAAAAAAAAAAAAAAAAAA")
                  .status()
                  .IsNotFound());
  EXPECT_TRUE(
      SessionLock::Acquire(*a_, "../zookeeper").status().IsInvalidArgument());
}

}  // namespace
}  // namespace sessionkeeper
