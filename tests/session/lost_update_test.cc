// No lost updates: managers on separate ZooKeeper handles race on one
// session, and every acknowledged change survives.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "sessionkeeper/session_manager.h"
#include "support/managers.h"
#include "support/zk_server.h"

namespace sessionkeeper {
namespace {

using ::sessionkeeper::testing::ManagerOptions;
using ::sessionkeeper::testing::OpenManager;
using ::sessionkeeper::testing::UniqueTestPath;

constexpr int kManagers = 4;
constexpr int kCallsPerManager = 200;

class LostUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SessionManagerOptions options = ManagerOptions(UniqueTestPath("race"));
    options.max_write_attempts = 1000;  // Heavy contention is the point.
    for (int i = 0; i < kManagers; ++i) {
      options.node_id = "m" + std::to_string(i);
      managers_.push_back(OpenManager(options));
      ASSERT_NE(managers_.back(), nullptr);
    }
    Result<Session> s = managers_[0]->Create({});
    ASSERT_TRUE(s.ok()) << s.status();
    id_ = s->id;
  }

  std::vector<std::unique_ptr<SessionManager>> managers_;
  std::string id_;
};

TEST_F(LostUpdateTest, ConcurrentMutatesOfDistinctAttributesAllSurvive) {
  std::atomic<int> failures{0};
  std::vector<std::future<void>> done;
  for (int m = 0; m < kManagers; ++m) {
    for (int k = 0; k < kCallsPerManager; ++k) {
      auto promise = std::make_shared<std::promise<void>>();
      done.push_back(promise->get_future());
      Mutation change;
      change.set = {{"m" + std::to_string(m) + "-" + std::to_string(k),
                     std::to_string(k)}};
      managers_[m]->MutateAsync(id_, change,
                                [promise, &failures](Result<Session> r) {
                                  if (!r.ok()) {
                                    ++failures;
                                    ADD_FAILURE() << r.status();
                                  }
                                  promise->set_value();
                                });
    }
  }
  for (auto& f : done) f.wait();
  ASSERT_EQ(failures.load(), 0);

  Result<Session> final_state =
      managers_[0]->Get(id_, ReadConsistency::kLinearizable);
  ASSERT_TRUE(final_state.ok()) << final_state.status();
  EXPECT_EQ(final_state->attributes.size(),
            static_cast<size_t>(kManagers * kCallsPerManager));
  for (int m = 0; m < kManagers; ++m) {
    for (int k = 0; k < kCallsPerManager; ++k) {
      const std::string name =
          "m" + std::to_string(m) + "-" + std::to_string(k);
      auto it = final_state->attributes.find(name);
      ASSERT_NE(it, final_state->attributes.end()) << name << " was lost";
      EXPECT_EQ(it->second, std::to_string(k));
    }
  }
  // Merged calls share writes, so there are at most as many versions as calls.
  EXPECT_LE(final_state->version, kManagers * kCallsPerManager);
  EXPECT_GE(final_state->version, 1);
}

TEST_F(LostUpdateTest,
       TheSameAttributeEndsAtTheLastAcknowledgedWriteInVersionOrder) {
  // Calls that one manager merged into one write share its version; within
  // it they apply in call order, and their callbacks run in that order.
  std::mutex mu;
  std::map<int32_t, std::string> last_at_version;  // Version -> last value.
  std::map<int32_t, std::string> seen_at_version;  // What each ack returned.
  int acks = 0;
  std::vector<std::future<void>> done;
  for (int m = 0; m < kManagers; ++m) {
    for (int k = 0; k < kCallsPerManager; ++k) {
      auto promise = std::make_shared<std::promise<void>>();
      done.push_back(promise->get_future());
      const std::string value =
          "m" + std::to_string(m) + "-" + std::to_string(k);
      Mutation change;
      change.set = {{"shared", value}};
      managers_[m]->MutateAsync(
          id_, change, [&, promise, value](Result<Session> r) {
            if (r.ok()) {
              std::lock_guard<std::mutex> lock(mu);
              ++acks;
              last_at_version[r->version] = value;
              seen_at_version[r->version] = r->attributes.at("shared");
            } else {
              ADD_FAILURE() << r.status();
            }
            promise->set_value();
          });
    }
  }
  for (auto& f : done) f.wait();
  ASSERT_EQ(acks, kManagers * kCallsPerManager);
  // What each write stored is the value of the last call merged into it.
  for (const auto& [version, value] : last_at_version) {
    EXPECT_EQ(seen_at_version[version], value) << "at version " << version;
  }
  Result<Session> final_state =
      managers_[1]->Get(id_, ReadConsistency::kLinearizable);
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ(final_state->version, last_at_version.rbegin()->first);
  EXPECT_EQ(final_state->attributes.at("shared"),
            last_at_version.rbegin()->second);
}

}  // namespace
}  // namespace sessionkeeper
